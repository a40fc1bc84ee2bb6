package engine_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const statuspageKey = "89a229ce1a8dbcf9ff30430fbe35eb4c0426574bca932061892cefd2138aa4b1"

func statuspageEnv() map[string]string {
	return map[string]string{"STATUSPAGE_API_KEY": statuspageKey}
}

// statuspageAPI serves GET /v1/pages/kctbh9vrtdwd/components as Statuspage
// documents it (https://developer.statuspage.io/, the pagination and
// rate-limit announcements cited in testdata/vendors14/statuspage.yml):
// "Authorization: OAuth <key>" (401 {"error": "Could not authenticate"});
// page (a page below 1 is the first) and per_page (default and at most
// 100); a bare array of components ordered by position, no total, an
// empty array past the last; a spent budget answers 420 (or 429) with
// Retry-After: 60 and {"error": "Rate limit exceeded"}.
type statuspageAPI struct {
	limited    int // status of the first answer, 0 for none
	mu         sync.Mutex
	components []map[string]any
	requests   []string
}

func newStatuspageAPI() *statuspageAPI {
	a := &statuspageAPI{}
	for i := 1; i <= 5; i++ {
		a.components = append(a.components, map[string]any{
			"id": fmt.Sprintf("b13yz5g2cw1%d", i), "page_id": "kctbh9vrtdwd", "group_id": nil, "created_at": "2014-05-03T01:22:07.274Z", "updated_at": fmt.Sprintf("2024-05-0%dT01:22:07.286Z", i),
			"group": i == 5, "name": fmt.Sprintf("Component %d", i), "description": nil, "position": i, "status": []string{"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}[i-1],
			"showcase": true, "only_show_if_degraded": false, "automation_email": fmt.Sprintf("component+%d@notifications.statuspage.io", i), "start_date": "2024-01-29",
		})
	}
	a.components[4]["components"] = []string{"b13yz5g2cw11", "b13yz5g2cw12"}
	return a
}

func (a *statuspageAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.RawQuery)
	if r.Header.Get("Authorization") != "OAuth "+statuspageKey {
		curWrite(w, 401, `{"error": "Could not authenticate"}`)
		return
	}
	if a.limited != 0 {
		w.Header().Set("Retry-After", "60")
		curWrite(w, a.limited, `{"error": "Rate limit exceeded"}`)
		a.limited = 0
		return
	}
	if r.URL.Path != "/v1/pages/kctbh9vrtdwd/components" {
		curWrite(w, 404, `{"error": "Page not found"}`)
		return
	}
	q := r.URL.Query()
	per := min(curQueryInt(q, "per_page", 100), 100)
	page := max(curQueryInt(q, "page", 1), 1)
	from, to := min((page-1)*per, len(a.components)), min(page*per, len(a.components))
	list := a.components[from:to]
	if list == nil {
		list = []map[string]any{}
	}
	curWrite(w, 200, curJSON(list))
}

func (a *statuspageAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var want []string
	for _, c := range a.components {
		updated, _ := time.Parse(time.RFC3339, c["updated_at"].(string))
		want = append(want, fmt.Sprintf("%s|%s|%s|%v|%v|%s|%v", c["id"], c["name"], c["status"], c["position"], c["group"], c["start_date"], updated))
	}
	r.checkTable(t, `SELECT id, name, status, position, "group", start_date, updated_at FROM components ORDER BY id`, want)
	r.checkTable(t, `SELECT c.id, v.value FROM components__components v JOIN components c ON c._pipe_id = v._pipe_parent_id ORDER BY v.value`, []string{"b13yz5g2cw15|b13yz5g2cw11", "b13yz5g2cw15|b13yz5g2cw12"})
	r.noSecret(t, statuspageKey)
}

// TestStatuspageComponents: five components two a page, pages 1 to 3,
// and the empty page 4 ends the walk.
func TestStatuspageComponents(t *testing.T) {
	api := newStatuspageAPI()
	r, _ := v14Serve(t, api, "statuspage", "", statuspageEnv())
	r.mustLoad(t)
	api.check(t, r)
	curSameRows(t, "requests", v13Locked(&api.mu, func() []string { return api.requests }), []string{"page=1&per_page=2", "page=2&per_page=2", "page=3&per_page=2", "page=4&per_page=2"})
}

// statuspageBasePageZero runs the spec of a newcomer who leaves base_page
// at pipe's default 0: page=0, which Statuspage answers as page 1, then
// page=1, the same body twice. The run fails naming parts.
func statuspageBasePageZero(t *testing.T, parts ...string) {
	api := newStatuspageAPI()
	r, srvURL := v14Serve(t, api, "statuspage", v14Spec(t, "statuspage", "{type: page_number, base_page: 1}", "{type: page_number}"), statuspageEnv())
	r.failedClean(t, srvURL, rest.ErrLoop, statuspageKey, []string{"components"}, append([]string{`resource "components"`}, parts...)...)
	t.Log(r.err)
}

// TestStatuspageBasePageZero: a 1-based API asked for page 0 fails the
// run as a loop, nothing loaded.
func TestStatuspageBasePageZero(t *testing.T) {
	statuspageBasePageZero(t, "pagination loop")
}

// TestStatuspageBasePageZeroNamesBasePage: the README says a page_number
// walk whose page repeats the one before fails "naming page_param and
// base_page ... (a 1-based API asked for page 0 answers page 1 twice)".
// When the two bodies are byte for byte the same (as Statuspage's bare
// arrays are), the walk's identical-response check fires first; its
// message named only page_param, sending the user after a name that is
// right rather than base_page, the setting that fixes it. It names both.
func TestStatuspageBasePageZeroNamesBasePage(t *testing.T) {
	statuspageBasePageZero(t, "base_page")
}

// TestStatuspageNoPaginator: without a paginator, the first page holds
// exactly per_page records and says nothing of more: auto fails rather
// than load two components of five.
func TestStatuspageNoPaginator(t *testing.T) {
	api := newStatuspageAPI()
	r, srvURL := v14Serve(t, api, "statuspage", v14Spec(t, "statuspage", "  paginator: {type: page_number, base_page: 1}\n", ""), statuspageEnv())
	r.failedClean(t, srvURL, nil, statuspageKey, []string{"components"}, `resource "components"`, "per_page")
	t.Log(r.err)
}

// TestStatuspageRateLimited: the 429 Statuspage announced, with
// Retry-After: 60, is waited out.
func TestStatuspageRateLimited(t *testing.T) {
	api := newStatuspageAPI()
	api.limited = 429
	var sleeps curSleeps
	r, _ := v14Serve(t, api, "statuspage", "", statuspageEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	if w := fmt.Sprint(sleeps.all()); w != "[1m0s]" {
		t.Errorf("waits %s, want [1m0s]", w)
	}
}

// TestStatuspage420: the 420 Statuspage kept answering instead of a 429
// (with Retry-After: 60) is a rate limit pipe waits out by itself, as it
// waits a 429, and so does a response_actions rule that retries it; the
// wait is the Retry-After. (pipe failed on it at once.)
func TestStatuspage420(t *testing.T) {
	api := newStatuspageAPI()
	api.limited = 420
	var waited curSleeps
	r, _ := v14Serve(t, api, "statuspage", "", statuspageEnv(), waited.tune)
	r.mustLoad(t)
	api.check(t, r)
	if w := fmt.Sprint(waited.all()); w != "[1m0s]" {
		t.Errorf("waits %s, want [1m0s]", w)
	}

	api = newStatuspageAPI()
	api.limited = 420
	var sleeps curSleeps
	text := v14Spec(t, "statuspage", "      params: {per_page: 2}\n", "      params: {per_page: 2}\n      response_actions: [{status_code: 420, action: retry}]\n")
	r, _ = v14Serve(t, api, "statuspage", text, statuspageEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	if w := fmt.Sprint(sleeps.all()); w != "[1m0s]" {
		t.Errorf("waits %s, want [1m0s]", w)
	}
}
