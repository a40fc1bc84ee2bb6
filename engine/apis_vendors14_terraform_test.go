package engine_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const tfeToken = "aBcDeFgHiJkLmN.atlasv1.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"

func tfeEnv() map[string]string { return map[string]string{"TFE_TOKEN": tfeToken} }

// tfeAPI serves GET /api/v2/organizations/my-organization/workspaces and
// /api/v2/workspaces/:id/runs as HCP Terraform documents them
// (https://developer.hashicorp.com/terraform/cloud-docs/api-docs#pagination,
// #authentication, #rate-limiting, #json-api-documents,
// https://developer.hashicorp.com/terraform/cloud-docs/api-docs/workspaces#list-workspaces,
// https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run#list-runs-in-a-workspace):
// "Authorization: Bearer" (401 {"errors": [{"status": "401", "title":
// "unauthorized"}]}); page[number] (default 1) and page[size] (default
// 20, at most 100); {"data": [{"id", "type", "attributes": {...}}],
// "links": {"self", "first", "prev", "next", "last"}, "meta":
// {"pagination": {"current-page", "page-size", "prev-page", "next-page",
// "total-pages", "total-count"}}}, the links absolute URLs with the
// brackets escaped; 429 {"errors": [{"status": "429", "title": "Too many
// requests", ...}]} with X-RateLimit-Limit, X-RateLimit-Remaining and
// X-RateLimit-Reset (seconds, with a fraction).
//
// mode: "deleted" (a workspace is deleted once page 1 was served: the
// rest move up a place), "elsewhere" (the runs' next link names another
// host), "throttled" (the first request is a 429), "stalled" (page 2's
// next link is page 2 itself while links.last names page 3).
type tfeAPI struct {
	mode       string
	other      string
	mu         sync.Mutex
	workspaces []map[string]any
	runs       map[string][]map[string]any
	requests   []string
	done       bool
}

func newTfeAPI(mode string) *tfeAPI {
	a := &tfeAPI{mode: mode, runs: map[string][]map[string]any{}}
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("ws-%016d", i)
		a.workspaces = append(a.workspaces, map[string]any{"id": id, "type": "workspaces", "attributes": map[string]any{
			"name": fmt.Sprintf("workspace-%d", i), "created-at": fmt.Sprintf("2021-06-0%dT12:00:00.000Z", i), "terraform-version": "1.5.7",
			"resource-count": 10 * i, "auto-apply": i%2 == 0, "locked": false, "execution-mode": "remote", "tag-names": []string{"prod", fmt.Sprint("team-", i)},
		}})
	}
	for _, w := range []int{1, 4} {
		id := fmt.Sprintf("ws-%016d", w)
		for j := 1; j <= 3; j++ {
			a.runs[id] = append(a.runs[id], map[string]any{"id": fmt.Sprintf("run-%d%015d", w, j), "type": "runs", "attributes": map[string]any{
				"status": []string{"applied", "planned_and_finished", "errored"}[j-1], "message": "Queued manually", "created-at": fmt.Sprintf("2021-07-0%dT10:0%d:00.000Z", w, j),
				"has-changes": j != 2, "is-destroy": false, "source": "tfe-api"}})
		}
	}
	return a
}

func (a *tfeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.Path+"?"+r.URL.RawQuery)
	if !curBearer(r, tfeToken) {
		curWrite(w, 401, `{"errors": [{"status": "401", "title": "unauthorized"}]}`)
		return
	}
	if a.mode == "throttled" && !a.done {
		a.done = true
		w.Header().Set("X-RateLimit-Limit", "30")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "0.211")
		curWrite(w, 429, `{"errors": [{"status": "429", "title": "Too many requests", "detail": "You have exceeded the API's rate limit."}]}`)
		return
	}
	var list []map[string]any
	switch {
	case r.URL.Path == "/api/v2/organizations/my-organization/workspaces":
		list = a.workspaces
	case strings.HasPrefix(r.URL.Path, "/api/v2/workspaces/") && strings.HasSuffix(r.URL.Path, "/runs"):
		var ok bool
		if list, ok = a.runs[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v2/workspaces/"), "/runs")]; !ok && !strings.Contains(r.URL.Path, "ws-") {
			curWrite(w, 404, `{"errors": [{"status": "404", "title": "not found"}]}`)
			return
		}
	default:
		curWrite(w, 404, `{"errors": [{"status": "404", "title": "not found"}]}`)
		return
	}
	q := r.URL.Query()
	size := min(curQueryInt(q, "page[size]", 20), 100)
	page := max(curQueryInt(q, "page[number]", 1), 1)
	pages := max((len(list)+size-1)/size, 1)
	from, to := min((page-1)*size, len(list)), min(page*size, len(list))
	link := func(n int) string {
		v := url.Values{"page[number]": {fmt.Sprint(n)}, "page[size]": {fmt.Sprint(size)}}
		return "http://" + r.Host + r.URL.Path + "?" + v.Encode()
	}
	links := map[string]any{"self": link(page), "first": link(1), "last": link(pages), "prev": nil, "next": nil}
	pagination := map[string]any{"current-page": page, "page-size": size, "prev-page": nil, "next-page": nil, "total-pages": pages, "total-count": len(list)}
	if page > 1 {
		links["prev"], pagination["prev-page"] = link(page-1), page-1
	}
	if page < pages {
		links["next"], pagination["next-page"] = link(page+1), page+1
		if a.mode == "stalled" && page == 2 && strings.HasSuffix(r.URL.Path, "/workspaces") {
			links["next"] = link(page)
		}
		if a.mode == "elsewhere" && strings.HasSuffix(r.URL.Path, "/runs") {
			links["next"] = a.other + strings.TrimPrefix(link(page+1), "http://"+r.Host)
		}
	}
	data := list[from:to]
	if data == nil {
		data = []map[string]any{}
	}
	w.Header().Set("X-RateLimit-Limit", "30")
	w.Header().Set("X-RateLimit-Remaining", "29")
	w.Header().Set("X-RateLimit-Reset", "0.033")
	curWrite(w, 200, curJSON(map[string]any{"data": data, "links": links, "meta": map[string]any{"pagination": pagination}}))
	if a.mode == "deleted" && strings.HasSuffix(r.URL.Path, "/workspaces") && page == 1 && !a.done {
		a.done = true
		a.workspaces = a.workspaces[1:]
	}
}

func (a *tfeAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var ws, runs, tags []string
	for _, w := range a.workspaces {
		at := w["attributes"].(map[string]any)
		ws = append(ws, fmt.Sprintf("%s|workspaces|%s|1.5.7|%v|%v", w["id"], at["name"], at["resource-count"], at["auto-apply"]))
		for _, tag := range at["tag-names"].([]string) {
			tags = append(tags, fmt.Sprintf("%s|%s", w["id"], tag))
		}
	}
	for wid, rs := range a.runs {
		for _, run := range rs {
			at := run["attributes"].(map[string]any)
			runs = append(runs, fmt.Sprintf("%s|%s|%s|%v", run["id"], wid, at["status"], at["has-changes"]))
		}
	}
	sort.Strings(runs)
	sort.Strings(tags)
	r.checkTable(t, `SELECT id, type, attributes__name, attributes__terraform_version, attributes__resource_count, attributes__auto_apply FROM workspaces ORDER BY id`, ws)
	r.checkTable(t, `SELECT w.id, t.value FROM workspaces__attributes__tag_names t JOIN workspaces w ON w._pipe_id = t._pipe_parent_id ORDER BY w.id, t.value`, tags)
	r.checkTable(t, `SELECT id, _workspaces_id, attributes__status, attributes__has_changes FROM runs ORDER BY id`, runs)
	r.noSecret(t, tfeToken)
}

// TestTerraformWorkspacesAndRuns: five workspaces two a page by
// links.next, then the runs of each (three for two of them, none for the
// others, whose single page holds an empty data array).
func TestTerraformWorkspacesAndRuns(t *testing.T) {
	api := newTfeAPI("")
	r, _ := v14Serve(t, api, "terraform", "", tfeEnv())
	r.mustLoad(t)
	api.check(t, r)
	var wsReqs []string
	for _, q := range v13Locked(&api.mu, func() []string { return api.requests }) {
		if strings.HasSuffix(strings.Split(q, "?")[0], "/workspaces") {
			wsReqs = append(wsReqs, q)
		}
	}
	sort.Strings(wsReqs)
	curSameRows(t, "workspace requests", wsReqs, []string{
		"/api/v2/organizations/my-organization/workspaces?page%5Bnumber%5D=2&page%5Bsize%5D=2",
		"/api/v2/organizations/my-organization/workspaces?page%5Bnumber%5D=3&page%5Bsize%5D=2",
		"/api/v2/organizations/my-organization/workspaces?page%5Bsize%5D=2",
	})
}

// TestTerraformThrottled: HCP Terraform's 429 has no Retry-After, only
// X-RateLimit-Reset in seconds with a fraction ("0.211"): it is waited
// out and the walk loads everything.
func TestTerraformThrottled(t *testing.T) {
	api := newTfeAPI("throttled")
	var sleeps curSleeps
	r, _ := v14Serve(t, api, "terraform", "", tfeEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	if w := sleeps.all(); len(w) != 1 || w[0] > 2*1e9 {
		t.Errorf("waits %v, want one of at most 2s (X-RateLimit-Reset: 0.211)", w)
	}
	t.Log(sleeps.all())
}

// tfeDeletedMidWalk runs the walk of a workspace deleted after page 1,
// which moves the next one onto page 1, read already, with n workspaces,
// by links.next or (byNumber) by page[number] and total-pages; the run
// must fail naming field rather than load all workspaces but one.
func tfeDeletedMidWalk(t *testing.T, n int, byNumber bool, field string) {
	api := newTfeAPI("deleted")
	for i := 6; i <= n; i++ {
		api.workspaces = append(api.workspaces, map[string]any{"id": fmt.Sprintf("ws-%016d", i), "type": "workspaces", "attributes": map[string]any{
			"name": fmt.Sprintf("workspace-%d", i), "terraform-version": "1.5.7", "resource-count": 10 * i, "auto-apply": true, "tag-names": []string{}}})
	}
	var edit []string
	if byNumber {
		edit = []string{"paginator: {type: json_link, next_url_path: links.next}", `paginator: {type: page_number, page_param: "page[number]", base_page: 1, total_path: meta.pagination.total-pages}`}
	}
	r, srvURL := v14Serve(t, api, "terraform", v14Spec(t, "terraform", edit...), tfeEnv())
	r.failedClean(t, srvURL, nil, tfeToken, []string{"workspaces", "runs"}, `resource "workspaces"`, field)
	t.Log(r.err)
}

// TestTerraformDeletedMidWalk: with five workspaces two a page, the
// deletion moves links.last from page 3 to page 2 and total-pages from 3
// to 2: the run fails, by links.next and by page[number] alike.
func TestTerraformDeletedMidWalk(t *testing.T) {
	t.Run("links", func(t *testing.T) { tfeDeletedMidWalk(t, 5, false, "the collection changed while it was paged") })
	t.Run("page_number", func(t *testing.T) { tfeDeletedMidWalk(t, 5, true, "total-pages") })
}

// TestTerraformDeletedMidWalkSamePages: with six workspaces the deletion
// leaves links.last and total-pages on page 3, and only
// meta.pagination.total-count shows it (6, then 5). The links step
// page[number], so the walk is held to the first page's total of
// records, as the README says for json_link and page_number, and
// "total-count" (JSON:API's kebab case) is such a total: the run fails.
// It loaded workspaces 1, 2, 4, 5 and 6 with exit 0, workspace 3 on no
// page, when pipe did not know the name.
func TestTerraformDeletedMidWalkSamePages(t *testing.T) {
	t.Run("links", func(t *testing.T) { tfeDeletedMidWalk(t, 6, false, "total-count") })
	t.Run("page_number", func(t *testing.T) { tfeDeletedMidWalk(t, 6, true, "total-count") })
}

// TestTerraformByPageNumber: a newcomer who pages by page[number] and
// meta.pagination.total-pages loads the same rows.
func TestTerraformByPageNumber(t *testing.T) {
	api := newTfeAPI("")
	text := v14Spec(t, "terraform", "paginator: {type: json_link, next_url_path: links.next}", `paginator: {type: page_number, page_param: "page[number]", base_page: 1, total_path: meta.pagination.total-pages}`)
	r, _ := v14Serve(t, api, "terraform", text, tfeEnv())
	r.mustLoad(t)
	api.check(t, r)
}

// TestTerraformNextElsewhere: a runs link on another host fails the run
// naming client.allowed_hosts; that host gets nothing.
func TestTerraformNextElsewhere(t *testing.T) {
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { curWrite(w, 200, `{"data": []}`) }))
	api := newTfeAPI("elsewhere")
	api.other = other.srv.URL
	r, srvURL := v14Serve(t, api, "terraform", "", tfeEnv())
	r.failedClean(t, srvURL, rest.ErrOutOfScope, tfeToken, []string{"workspaces", "runs"}, `resource "runs"`, "client.allowed_hosts")
	if n := other.requests(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

// TestTerraformNextIsSelf: a page whose next link is its own URL would
// end a json_link walk, but meta.pagination.total-count (and links.last,
// page 3) say more: the run fails naming the total rather than load four
// of five workspaces.
func TestTerraformNextIsSelf(t *testing.T) {
	api := newTfeAPI("stalled")
	r, srvURL := v14Serve(t, api, "terraform", "", tfeEnv())
	r.failedClean(t, srvURL, rest.ErrMorePages, tfeToken, []string{"workspaces", "runs"}, `resource "workspaces"`, "is the page's own URL", `"meta.pagination.total-count" on the first page was 5 and 4 records were read`)
	t.Log(r.err)
}

// TestTerraformLastLinkMovedMessage: the error of a walk whose
// collection shrank (total-count 5 then 4, links.last moved) says "the
// collection changed while it was paged" once, as the other
// shifted-collection errors do ("...: pages shifted, so records ..."),
// not twice in a row. (The moved links.last's own error, which said it
// twice, is now worded so too; total-count is read first here.)
func TestTerraformLastLinkMovedMessage(t *testing.T) {
	api := newTfeAPI("deleted")
	r, srvURL := v14Serve(t, api, "terraform", "", tfeEnv())
	r.failedClean(t, srvURL, rest.ErrShifted, tfeToken, []string{"workspaces", "runs"}, `resource "workspaces"`)
	if n := strings.Count(r.err.Error(), "the collection changed while it was paged"); n != 1 {
		t.Errorf("the phrase comes %d times: %v", n, r.err)
	}
}
