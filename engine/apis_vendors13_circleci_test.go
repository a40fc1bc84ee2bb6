package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
)

const circleToken = "CCIPAT_4xQb7mJ2kR8nP3sT5vW9yZ_0123456789abcdef0123456789abcdef01234567"

func circleEnv() map[string]string { return map[string]string{"CIRCLECI_TOKEN": circleToken} }

// circleAPI serves GET /api/v2/pipeline?org-slug= and
// /api/v2/pipeline/{id}/workflow as CircleCI documents them
// (https://circleci.com/docs/api/v2/index.html#operation/listPipelines,
// #operation/listWorkflowsByPipelineId,
// https://circleci.com/docs/guides/server/toolkit/api-developers-guide/):
// the token in Circle-Token (401 {"message": "You must log in first."}
// otherwise); 20 items a page (2 here), {"items": [...],
// "next_page_token": "<opaque>"|null}, the token read from page-token;
// a pipeline carries its config errors in its own "errors" list, and
// trigger, vcs and vcs.commit objects; 429 with Retry-After.
//
// mode: "repeat" (the second pipelines page gives the first page's token
// again), "emptymid" (the second pipelines page is empty but gives the
// next token), "throttled" (the first workflows request is a 429).
type circleAPI struct {
	mode      string
	mu        sync.Mutex
	pipelines []map[string]any
	workflows map[string][]map[string]any
	requests  []string
	throttled bool
}

func newCircleAPI(mode string) *circleAPI {
	a := &circleAPI{mode: mode, workflows: map[string][]map[string]any{}}
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("5034460f-c7c4-4c43-9457-de07e2029e%02d", i)
		errs := []map[string]any{}
		if i == 3 {
			errs = append(errs, map[string]any{"type": "config", "message": "Config does not conform to schema: {:workflows {:build missing-required-key}}"})
		}
		a.pipelines = append(a.pipelines, map[string]any{
			"id": id, "errors": errs, "project_slug": "gh/acme/web", "updated_at": fmt.Sprintf("2024-04-0%dT10:00:00.123Z", i), "number": 1400 + i, "state": []string{"created", "errored"}[min(i/3, 1)*(i%2)],
			"created_at": fmt.Sprintf("2024-04-0%dT09:59:58.456Z", i), "trigger_parameters": map[string]any{"circleci": map[string]any{"event_type": "push"}},
			"trigger": map[string]any{"type": "webhook", "received_at": fmt.Sprintf("2024-04-0%dT09:59:57.001Z", i), "actor": map[string]any{"login": "octocat", "avatar_url": "https://avatars.githubusercontent.com/u/583231"}},
			"vcs": map[string]any{"provider_name": "GitHub", "origin_repository_url": "https://github.com/acme/web", "target_repository_url": "https://github.com/acme/web", "revision": strings.Repeat(fmt.Sprint(i), 40), "branch": "main",
				"commit": map[string]any{"subject": fmt.Sprintf("Fix build %d", i), "body": ""}},
		})
		for j := 1; j <= 1+i%2; j++ {
			a.workflows[id] = append(a.workflows[id], map[string]any{
				"pipeline_id": id, "canceled_by": nil, "id": fmt.Sprintf("fda08377-fe7e-46b1-8992-3a7aaecac9%d%d", i, j), "name": []string{"build-and-test", "deploy"}[j-1], "project_slug": "gh/acme/web",
				"errored_by": nil, "tag": nil, "status": "success", "started_by": "9a1b5f8a-0000-4c5d-9e2f-3a4b5c6d7e8f", "pipeline_number": 1400 + i,
				"created_at": fmt.Sprintf("2024-04-0%dT10:00:01.000Z", i), "stopped_at": fmt.Sprintf("2024-04-0%dT10:05:42.000Z", i),
			})
		}
	}
	return a
}

// circleNext is the opaque token of the page at offset i: standard base64
// with "+", "/" and "=", which a client must send back escaped.
func circleNext(i int) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("\xfb\xff"+`{"offset":%d}`, i)))
}

func (a *circleAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.Path+"?"+r.URL.RawQuery)
	if r.Header.Get("Circle-Token") != circleToken {
		curWrite(w, 401, `{"message": "You must log in first."}`)
		return
	}
	q := r.URL.Query()
	var list []map[string]any
	switch {
	case r.URL.Path == "/api/v2/pipeline" && q.Get("org-slug") == "gh/acme":
		list = a.pipelines
	case strings.HasPrefix(r.URL.Path, "/api/v2/pipeline/") && strings.HasSuffix(r.URL.Path, "/workflow"):
		if a.mode == "throttled" && !a.throttled {
			a.throttled = true
			w.Header().Set("Retry-After", "6")
			curWrite(w, 429, `{"message": "Rate limit exceeded"}`)
			return
		}
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v2/pipeline/"), "/workflow")
		var ok bool
		if list, ok = a.workflows[id]; !ok {
			curWrite(w, 404, `{"message": "Pipeline not found."}`)
			return
		}
	default:
		curWrite(w, 404, `{"message": "Not found."}`)
		return
	}
	from := 0
	if tok := q.Get("page-token"); tok != "" {
		raw, err := base64.StdEncoding.DecodeString(tok)
		if _, err2 := fmt.Sscanf(strings.TrimPrefix(string(raw), "\xfb\xff"), `{"offset":%d}`, &from); err != nil || err2 != nil {
			curWrite(w, 400, `{"message": "Invalid page-token."}`)
			return
		}
	}
	const size = 2
	to := min(from+size, len(list))
	items := list[min(from, len(list)):to]
	next := any(nil)
	if to < len(list) {
		next = circleNext(to)
	}
	if r.URL.Path == "/api/v2/pipeline" && from == size {
		switch a.mode {
		case "repeat":
			next = circleNext(size)
		case "emptymid":
			// The page is empty, and its token resumes where it started.
			items, next = nil, circleNext(size+1)
		}
	}
	if r.URL.Path == "/api/v2/pipeline" && a.mode == "emptymid" && from == size+1 {
		items, next = list[size:min(size+3, len(list))], nil
	}
	if items == nil {
		items = []map[string]any{}
	}
	curWrite(w, 200, curJSON(map[string]any{"items": items, "next_page_token": next}))
}

func (a *circleAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var pipelines, errs, workflows []string
	for _, p := range a.pipelines {
		vcs := p["vcs"].(map[string]any)
		pipelines = append(pipelines, fmt.Sprintf("%v|%v|%v|%v|%v|%v", p["id"], p["number"], p["state"], vcs["branch"], vcs["commit"].(map[string]any)["subject"], p["trigger"].(map[string]any)["actor"].(map[string]any)["login"]))
		for _, e := range p["errors"].([]map[string]any) {
			errs = append(errs, fmt.Sprintf("%v|%v|%v", p["id"], e["type"], e["message"]))
		}
		for _, wf := range a.workflows[p["id"].(string)] {
			workflows = append(workflows, fmt.Sprintf("%v|%v|%v|%v", wf["id"], wf["name"], wf["pipeline_number"], p["number"]))
		}
	}
	sort.Strings(workflows)
	r.checkTable(t, `SELECT id, number, state, vcs__branch, vcs__commit__subject, trigger__actor__login FROM pipelines ORDER BY id`, pipelines)
	r.checkTable(t, `SELECT p.id, e.type, e.message FROM pipelines p JOIN pipelines__errors e ON e._pipe_parent_id = p._pipe_id ORDER BY p.id`, errs)
	r.checkTable(t, `SELECT id, name, pipeline_number, _pipelines_number FROM workflows ORDER BY id`, workflows)
	r.noSecret(t, circleToken)
}

// TestCircleCIPipelines: five pipelines two a page by next_page_token
// (sent as page-token), one with config errors in its own "errors" list,
// which is the record's, not an error of the answer; each pipeline's
// workflows.
func TestCircleCIPipelines(t *testing.T) {
	api := newCircleAPI("")
	r, _ := v13Serve(t, api, "circleci", "", circleEnv())
	r.mustLoad(t)
	api.check(t, r)
	var pages []string
	for _, q := range v13Locked(&api.mu, func() []string { return api.requests }) {
		if strings.HasPrefix(q, "/api/v2/pipeline?") {
			pages = append(pages, q)
		}
	}
	curSameRows(t, "pipeline requests", pages, []string{
		"/api/v2/pipeline?org-slug=gh%2Facme",
		"/api/v2/pipeline?org-slug=gh%2Facme&page-token=" + url.QueryEscape(circleNext(2)),
		"/api/v2/pipeline?org-slug=gh%2Facme&page-token=" + url.QueryEscape(circleNext(4)),
	})
}

// TestCircleCIEmptyPageWithToken: a page with no items that still gives a
// next_page_token is followed, and the pipelines after it load.
func TestCircleCIEmptyPageWithToken(t *testing.T) {
	api := newCircleAPI("emptymid")
	r, _ := v13Serve(t, api, "circleci", "", circleEnv())
	r.mustLoad(t)
	api.check(t, r)
}

// TestCircleCIThrottled: a 429 with Retry-After: 6 on a workflows request
// is waited out and asked again.
func TestCircleCIThrottled(t *testing.T) {
	api := newCircleAPI("throttled")
	var sleeps curSleeps
	r, _ := v13Serve(t, api, "circleci", "", circleEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	if w := fmt.Sprint(sleeps.all()); w != "[6s]" {
		t.Errorf("waits %s, want [6s]", w)
	}
}

// TestCircleCIRepeatedToken: a next_page_token that leads back to a page
// read fails naming next_page_token and page-token, nothing loaded.
func TestCircleCIRepeatedToken(t *testing.T) {
	api := newCircleAPI("repeat")
	r, srvURL := v13Serve(t, api, "circleci", "", circleEnv())
	r.failedClean(t, srvURL, nil, circleToken, []string{"pipelines", "workflows"}, `resource "pipelines"`, `"next_page_token"`, `"page-token"`)
	t.Log(r.err)
}

// circleGoneAPI is circleAPI whose third pipeline's workflows answer 404,
// as for a pipeline deleted between the list and the child request.
type circleGoneAPI struct{ *circleAPI }

func (a circleGoneAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/v2/pipeline/"+a.pipelines[2]["id"].(string)+"/workflow" {
		a.mu.Lock()
		a.requests = append(a.requests, r.URL.Path+"?"+r.URL.RawQuery)
		a.mu.Unlock()
		curWrite(w, 404, `{"message": "Pipeline not found."}`)
		return
	}
	a.circleAPI.ServeHTTP(w, r)
}

// TestCircleCIPipelineGone: a pipeline's workflows answering 404 fails
// the run naming the status, the resource and its URL (nothing
// loaded); with the rule {status_code: 404, action: ignore} on workflows
// the other pipelines' workflows load and that pipeline has none.
func TestCircleCIPipelineGone(t *testing.T) {
	api := circleGoneAPI{newCircleAPI("")}
	r, srvURL := v13Serve(t, api, "circleci", "", circleEnv())
	r.failedClean(t, srvURL, nil, circleToken, []string{"pipelines", "workflows"}, `resource "workflows"`, "404", api.pipelines[2]["id"].(string))
	t.Log(r.err)

	api = circleGoneAPI{newCircleAPI("")}
	text := v13Spec(t, "circleci", `      path: "pipeline/{resources.pipelines.id}/workflow"`, `      path: "pipeline/{resources.pipelines.id}/workflow"
      response_actions: [{status_code: 404, action: ignore}]`)
	r, _ = v13Serve(t, api, "circleci", text, circleEnv())
	r.mustLoad(t)
	api.mu.Lock()
	delete(api.workflows, api.pipelines[2]["id"].(string))
	api.mu.Unlock()
	api.check(t, r)
}
