package engine_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const buildkiteToken = "bkua_6d8f0123456789abcdef0123456789abcdef01"

func buildkiteEnv() map[string]string {
	return map[string]string{"BUILDKITE_API_TOKEN": buildkiteToken}
}

// buildkiteAPI serves GET /v2/organizations/acme/builds as Buildkite
// documents it (https://buildkite.com/docs/apis/rest-api: "page" and
// "per_page" (default 30, at most 100), a Link header with rel="next",
// "prev", "first" and "last", no next or last on the last page;
// https://buildkite.com/docs/apis/rest-api/builds: newest first, each
// build with its jobs, each job with an agent object and an exit_status
// that is null until it ends; https://buildkite.com/docs/apis/rest-api/limits:
// 429 with RateLimit-Remaining: 0 and RateLimit-Reset in seconds, no
// Retry-After); "Authorization: Bearer <token>" (401 {"message":
// "Authentication required. Please supply a valid API Access Token"}).
//
// mode: "badgateway" (the first request is a 502 that carries the usual
// rate limit headers, 180 requests left), "deleted" (the newest build is deleted after the first page),
// "created" (a build is created after the first page), "throttled" (the
// first request is a 429), "elsewhere" (page 2's next link names another
// host).
type buildkiteAPI struct {
	mode      string
	other     string
	mu        sync.Mutex
	builds    []map[string]any // newest first
	requests  []string
	changed   bool
	throttled bool
}

func buildkiteBuild(n int) map[string]any {
	var jobs []map[string]any
	for j := 1; j <= 2; j++ {
		exit := any(0)
		if n == 5 && j == 2 {
			exit = nil
		}
		jobs = append(jobs, map[string]any{
			"id": fmt.Sprintf("b63254c0-3271-4a98-8270-7cfbd6c2f1%02d", 10*n+j), "type": "script", "name": []string{":rspec: Tests", ":rocket: Deploy"}[j-1], "step_key": []string{"test", "deploy"}[j-1],
			"state": map[bool]string{true: "running", false: "passed"}[exit == nil], "command": "scripts/run.sh", "exit_status": exit, "retried": false,
			"agent":      map[string]any{"id": "0b461f65-e7be-4c80-888a-ef11d81fd971", "name": "my-agent", "hostname": "localhost"},
			"created_at": fmt.Sprintf("2024-06-0%dT10:00:0%dZ", n, j),
		})
	}
	return map[string]any{
		"id": fmt.Sprintf("f62a1b4d-10f9-4790-bc1c-e2c3a0c806%02d", n), "graphql_id": fmt.Sprintf("QnVpbGQtLS0xOTM4%02d", n), "url": fmt.Sprintf("https://api.buildkite.com/v2/organizations/acme/pipelines/web/builds/%d", n),
		"web_url": fmt.Sprintf("https://buildkite.com/acme/web/builds/%d", n), "number": n, "state": map[bool]string{true: "running", false: "passed"}[n == 5], "blocked": false,
		"message": fmt.Sprintf("Bumping to version 0.2-beta.%d", n), "commit": strings.Repeat(fmt.Sprint(n), 40), "branch": "main", "env": map[string]any{},
		"source": "webhook", "creator": map[string]any{"id": "3d3c3bf0-7d58-4afe-8fe7-b3017d5504de", "name": "Keith Pitt", "email": "keith@buildkite.com"},
		"jobs": jobs, "created_at": fmt.Sprintf("2024-06-0%dT10:00:00.000Z", n), "scheduled_at": fmt.Sprintf("2024-06-0%dT10:00:00.000Z", n), "started_at": fmt.Sprintf("2024-06-0%dT10:00:01.000Z", n),
		"finished_at": nil, "meta_data": map[string]any{"release-version": fmt.Sprintf("1.%d", n)}, "pull_request": nil,
		"pipeline": map[string]any{"id": "849411f9-9e6d-4739-a0d8-e247088e9b52", "slug": "web", "name": "Web"},
	}
}

func newBuildkiteAPI(mode string) *buildkiteAPI {
	a := &buildkiteAPI{mode: mode}
	for n := 5; n >= 1; n-- {
		a.builds = append(a.builds, buildkiteBuild(n))
	}
	return a
}

func (a *buildkiteAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.RawQuery)
	if !curBearer(r, buildkiteToken) {
		curWrite(w, 401, `{"message": "Authentication required. Please supply a valid API Access Token"}`)
		return
	}
	if a.mode == "badgateway" && !a.throttled {
		a.throttled = true
		w.Header().Set("RateLimit-Remaining", "180")
		w.Header().Set("RateLimit-Limit", "200")
		w.Header().Set("RateLimit-Reset", "42")
		curWrite(w, 502, `{"message": "Bad Gateway"}`)
		return
	}
	if a.mode == "throttled" && !a.throttled {
		a.throttled = true
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Limit", "200")
		w.Header().Set("RateLimit-Reset", "42")
		curWrite(w, 429, `{"message": "You have exceeded your rate limit"}`)
		return
	}
	if r.URL.Path != "/v2/organizations/acme/builds" {
		curWrite(w, 404, `{"message": "No organization found"}`)
		return
	}
	q := r.URL.Query()
	per, page := min(curQueryInt(q, "per_page", 30), 100), max(curQueryInt(q, "page", 1), 1)
	list := a.builds
	from, to := min((page-1)*per, len(list)), min(page*per, len(list))
	last := max((len(list)+per-1)/per, 1)
	link := func(p int, rel string) string {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("page", fmt.Sprint(p))
		host := "http://" + r.Host
		if a.mode == "elsewhere" && rel == "next" && page == 2 {
			host = a.other
		}
		return fmt.Sprintf("<%s%s?%s>; rel=%q", host, r.URL.Path, nq.Encode(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	w.Header().Set("RateLimit-Remaining", "180")
	w.Header().Set("RateLimit-Limit", "200")
	w.Header().Set("RateLimit-Reset", "42")
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	curWrite(w, 200, curJSON(items))
	if page == 1 && !a.changed {
		switch a.mode {
		case "deleted":
			a.changed = true
			a.builds = a.builds[1:]
		case "created":
			a.changed = true
			a.builds = append([]map[string]any{buildkiteBuild(6)}, a.builds...)
		}
	}
}

// check compares the tables with builds (numbers), as the fake holds them.
func (a *buildkiteAPI) check(t *testing.T, r curRun, numbers ...int) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var builds, jobs []string
	for _, n := range numbers {
		b := buildkiteBuild(n)
		builds = append(builds, fmt.Sprintf("%v|%v|%v|%v|%v|%v", b["id"], b["number"], b["state"], b["creator"].(map[string]any)["email"], b["meta_data"].(map[string]any)["release-version"], b["pipeline"].(map[string]any)["slug"]))
		for _, j := range b["jobs"].([]map[string]any) {
			jobs = append(jobs, fmt.Sprintf("%v|%v|%v|%v|%v", b["number"], j["id"], j["name"], curNullable(j["exit_status"]), j["agent"].(map[string]any)["name"]))
		}
	}
	sort.Strings(builds)
	sort.Strings(jobs)
	r.checkTable(t, `SELECT id, number, state, creator__email, meta_data__release_version, pipeline__slug FROM builds ORDER BY id`, builds)
	r.checkTable(t, `SELECT b.number, j.id, j.name, j.exit_status, j.agent__name FROM builds b JOIN builds__jobs j ON j._pipe_parent_id = b._pipe_id ORDER BY b.number, j.id`, jobs)
	r.noSecret(t, buildkiteToken)
}

// TestBuildkiteBuilds: five builds two a page by the Link header's
// rel="next" (page and per_page kept), jobs as a child table, a running
// job's null exit_status as NULL.
func TestBuildkiteBuilds(t *testing.T) {
	api := newBuildkiteAPI("")
	r, _ := v13Serve(t, api, "buildkite", "", buildkiteEnv())
	r.mustLoad(t)
	api.check(t, r, 1, 2, 3, 4, 5)
	curSameRows(t, "requests", v13Locked(&api.mu, func() []string { return api.requests }), []string{"branch=main&per_page=2", "branch=main&page=2&per_page=2", "branch=main&page=3&per_page=2"})
}

// TestBuildkiteThrottled: a 429 with RateLimit-Remaining 0 and
// RateLimit-Reset 42 (no Retry-After) waits the 42 seconds Buildkite asks.
func TestBuildkiteThrottled(t *testing.T) {
	api := newBuildkiteAPI("throttled")
	var sleeps curSleeps
	r, _ := v13Serve(t, api, "buildkite", "", buildkiteEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r, 1, 2, 3, 4, 5)
	sleeps.check(t, int32(len(v13Locked(&api.mu, func() []string { return api.requests }))), 4, "[42s]")
}

// TestBuildkiteCreatedMidWalk: a build created after the first page moves
// every build one place on: page 2 repeats build 4 as it was, and no build
// of the list the walk began on is missed. All five load, exit 0; the new
// build waits for the next run.
func TestBuildkiteCreatedMidWalk(t *testing.T) {
	api := newBuildkiteAPI("created")
	r, _ := v13Serve(t, api, "buildkite", "", buildkiteEnv())
	r.mustLoad(t)
	api.check(t, r, 1, 2, 3, 4, 5)
}

// TestBuildkiteHostile: the newest build deleted after page 1 moves build
// 3 onto page 1, read already, and the walk ends on page 2, before the
// rel="last" (page 3) page 1 named: the run fails rather than load four of
// five; a next link on another host fails naming client.allowed_hosts,
// that host getting nothing.
func TestBuildkiteHostile(t *testing.T) {
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { curWrite(w, 200, `[]`) }))
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"deleted", rest.ErrMorePages, []string{`resource "builds"`, `rel="last"`}},
		{"elsewhere", rest.ErrOutOfScope, []string{`resource "builds"`, "client.allowed_hosts"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newBuildkiteAPI(c.mode)
			api.other = other.srv.URL
			r, srvURL := v13Serve(t, api, "buildkite", "", buildkiteEnv())
			r.failedClean(t, srvURL, c.sentinel, buildkiteToken, []string{"builds", "builds__jobs"}, c.parts...)
			t.Log(r.err)
		})
	}
	if n := other.requests(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

// TestBuildkiteBadGatewayWithBudgetLeft: a 502 that carries Buildkite's
// usual RateLimit headers (180 of 200 left, the window resetting in 42 s)
// is retried after a backoff within client.retry's initial_backoff (1s),
// not after the 42 s of a window that is not exhausted.
func TestBuildkiteBadGatewayWithBudgetLeft(t *testing.T) {
	api := newBuildkiteAPI("badgateway")
	var sleeps curSleeps
	r, _ := v13Serve(t, api, "buildkite", "", buildkiteEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r, 1, 2, 3, 4, 5)
	waits := sleeps.all()
	if len(waits) != 1 || waits[0] > time.Second {
		t.Errorf("waits %v, want one backoff of at most 1s", waits)
	}
}
