package engine_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const herokuKey = "HRKU-AAbCdEfGh0123456789_ijklmnopqrstuvwxyzABCDEFGHIJKLMN"

func herokuEnv() map[string]string { return map[string]string{"HEROKU_API_KEY": herokuKey} }

// herokuAPI serves GET /apps as the Heroku Platform API documents it
// (https://devcenter.heroku.com/articles/platform-api-reference#ranges,
// #clients, #authentication, #rate-limits, #app-list): a bare array of
// apps sorted by the Range field (id); the request's Range header
// "id ..; max=N" (default 200, at most 1000; here the default is
// pageDefault) or a Next-Range value "]<last id>..; max=N"; a truncated
// list answers 206 Partial Content with Content-Range "id <first>..<last>"
// and Next-Range, the rest 200; the version in Accept is required (400
// {"id": "missing_version", ...} otherwise); "Authorization: Bearer"
// (401 {"id": "unauthorized", ...}); 429 {"id": "rate_limit", ...} with
// RateLimit-Remaining: 0 and no Retry-After once the budget is spent.
type herokuAPI struct {
	pageDefault int
	throttle    bool // the first request is a 429
	mu          sync.Mutex
	apps        []map[string]any
	ranges      []string // the Range header of each request ("" without)
}

func newHerokuAPI(n int) *herokuAPI {
	a := &herokuAPI{pageDefault: 2}
	for i := 1; i <= n; i++ {
		a.apps = append(a.apps, map[string]any{
			"id": fmt.Sprintf("01234567-89ab-cdef-0123-%012d", i), "name": fmt.Sprintf("example-%d", i),
			"created_at": fmt.Sprintf("2012-01-0%dT12:00:00Z", i), "updated_at": "2012-02-01T12:00:00Z",
			"stack":     map[string]any{"id": "01234567-89ab-cdef-0123-456789abcdef", "name": "heroku-24"},
			"region":    map[string]any{"id": "01234567-89ab-cdef-0123-456789abcdef", "name": []string{"us", "eu"}[i%2]},
			"slug_size": 1024 * i, "repo_size": nil, "maintenance": i == 3, "web_url": fmt.Sprintf("https://example-%d.herokuapp.com/", i),
			"owner": map[string]any{"email": "username@example.com", "id": "01234567-89ab-cdef-0123-456789abcdef"},
		})
	}
	return a
}

var herokuRange = regexp.MustCompile(`^id (\]?)([^.;]*)\.\.(?:;\s*max=(\d+))?;?$`)

func (a *herokuAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ranges = append(a.ranges, r.Header.Get("Range"))
	if !curBearer(r, herokuKey) {
		curWrite(w, 401, `{"id": "unauthorized", "message": "Invalid credentials provided."}`)
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/vnd.heroku+json; version=3") {
		curWrite(w, 400, `{"id": "missing_version", "message": "Please specify a version along with Heroku's API MIME type. For example, `+"`Accept: application/vnd.heroku+json; version=3`"+`."}`)
		return
	}
	if a.throttle {
		a.throttle = false
		w.Header().Set("RateLimit-Remaining", "0")
		curWrite(w, 429, `{"id": "rate_limit", "message": "Your account reached the API rate limit\nPlease wait a few minutes before making new requests"}`)
		return
	}
	if r.URL.Path != "/apps" {
		curWrite(w, 404, `{"id": "not_found", "message": "Couldn't find that app."}`)
		return
	}
	from, max := 0, a.pageDefault
	if rg := r.Header.Get("Range"); rg != "" {
		m := herokuRange.FindStringSubmatch(rg)
		if m == nil {
			curWrite(w, 400, `{"id": "bad_request", "message": "Invalid Range header."}`)
			return
		}
		for from < len(a.apps) && m[2] != "" && (a.apps[from]["id"].(string) < m[2] || m[1] == "]" && a.apps[from]["id"].(string) == m[2]) {
			from++
		}
		if m[3] != "" {
			max, _ = strconv.Atoi(m[3])
			max = min(max, 1000)
		}
	}
	to := min(from+max, len(a.apps))
	page := a.apps[from:to]
	w.Header().Set("Accept-Ranges", "id, name")
	if len(page) > 0 {
		w.Header().Set("Content-Range", fmt.Sprintf("id %s..%s; max=%d", page[0]["id"], page[len(page)-1]["id"], max))
	}
	if to < len(a.apps) {
		w.Header().Set("Next-Range", fmt.Sprintf("id ]%s..; max=%d", page[len(page)-1]["id"], max))
		curWrite(w, 206, curJSON(page))
		return
	}
	curWrite(w, 200, curJSON(page))
}

func (a *herokuAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var want []string
	for _, app := range a.apps {
		created, err := time.Parse(time.RFC3339, app["created_at"].(string))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("%s|%s|%s|%v|%v|%v", app["id"], app["name"], app["region"].(map[string]any)["name"], app["slug_size"], app["maintenance"], created))
	}
	r.checkTable(t, `SELECT id, name, region__name, slug_size, maintenance, created_at FROM apps ORDER BY id`, want)
	r.noSecret(t, herokuKey)
}

// TestHerokuAppsTruncatedRange: five apps, two a range by the server's
// default: the first answer is 206 Partial Content with Next-Range. A
// spec left to auto, which cannot send Next-Range back in the Range
// request header, fails naming the 206, Next-Range and the settings that
// do; it loaded the first two apps with exit 0.
func TestHerokuAppsTruncatedRange(t *testing.T) {
	api := newHerokuAPI(5)
	r, srvURL := v14Serve(t, api, "heroku", "", herokuEnv())
	r.failedClean(t, srvURL, nil, herokuKey, []string{"apps"}, `resource "apps"`, "206", "Next-Range", `headers: {Range: "{paginator.cursor}"}`)
	t.Log(r.err)
}

// TestHerokuAppsByRange: with header_cursor on Next-Range and the Range
// header written as {paginator.cursor}, the first request sends no Range
// (no cursor yet: the header is left out, and Heroku serves its default
// range) and each later one the Next-Range the page before answered, byte
// for byte, until the 200 without it; every app loaded exactly.
func TestHerokuAppsByRange(t *testing.T) {
	api := newHerokuAPI(5)
	text := v14Spec(t, "heroku", "    endpoint: {path: apps}", "    endpoint:\n      path: apps\n      headers: {Range: \"{paginator.cursor}\"}\n      paginator: {type: header_cursor, cursor_key: Next-Range}")
	r, _ := v14Serve(t, api, "heroku", text, herokuEnv())
	r.mustLoad(t)
	api.check(t, r)
	curSameRows(t, "Range headers", v13Locked(&api.mu, func() []string { return api.ranges }), []string{"",
		"id ]01234567-89ab-cdef-0123-000000000002..; max=2", "id ]01234567-89ab-cdef-0123-000000000004..; max=2"})
}

// TestHerokuAppsOneRange: the closest workaround the docs allow: ask for
// the largest range, "Range: id ..; max=1000", as a client header; with
// fewer than 1000 apps Heroku answers 200 with every app, loaded exactly.
func TestHerokuAppsOneRange(t *testing.T) {
	api := newHerokuAPI(5)
	text := v14Spec(t, "heroku", `    Accept: "application/vnd.heroku+json; version=3"`, `    Accept: "application/vnd.heroku+json; version=3"`+"\n    Range: \"id ..; max=1000\"")
	r, _ := v14Serve(t, api, "heroku", text, herokuEnv())
	r.mustLoad(t)
	api.check(t, r)
	curSameRows(t, "Range headers", v13Locked(&api.mu, func() []string { return api.ranges }), []string{"id ..; max=1000"})
}

// TestHerokuAppsOneRangeOutgrown: the same workaround once the account
// holds more apps than max=1000 returns: the answer is a 206 with
// Next-Range, and the run must fail rather than load the first 1000.
func TestHerokuAppsOneRangeOutgrown(t *testing.T) {
	api := newHerokuAPI(5)
	text := v14Spec(t, "heroku", `    Accept: "application/vnd.heroku+json; version=3"`, `    Accept: "application/vnd.heroku+json; version=3"`+"\n    Range: \"id ..; max=3\"")
	r, srvURL := v14Serve(t, api, "heroku", text, herokuEnv())
	r.failedClean(t, srvURL, nil, herokuKey, []string{"apps"}, `resource "apps"`, "206", "Next-Range")
}

// TestHerokuRateLimited: Heroku's 429 says only RateLimit-Remaining: 0
// (no Retry-After, no reset time): pipe backs off once under
// client.retry and loads every app from the one 200.
func TestHerokuRateLimited(t *testing.T) {
	api := newHerokuAPI(5)
	api.throttle = true
	text := v14Spec(t, "heroku", `    Accept: "application/vnd.heroku+json; version=3"`, `    Accept: "application/vnd.heroku+json; version=3"`+"\n    Range: \"id ..; max=1000\"")
	var sleeps curSleeps
	r, _ := v14Serve(t, api, "heroku", text, herokuEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	if n := len(sleeps.all()); n != 1 {
		t.Errorf("%d waits %v, want 1", n, sleeps.all())
	}
	if n := len(v13Locked(&api.mu, func() []string { return api.ranges })); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// TestHerokuMissingVersion: a spec without the Accept header gets
// Heroku's 400 missing_version, and the run fails naming it.
func TestHerokuMissingVersion(t *testing.T) {
	api := newHerokuAPI(2)
	text := v14Spec(t, "heroku", "  headers:\n    Accept: \"application/vnd.heroku+json; version=3\"\n", "")
	r, srvURL := v14Serve(t, api, "heroku", text, herokuEnv())
	r.failedClean(t, srvURL, nil, herokuKey, []string{"apps"}, `resource "apps"`, "400", "missing_version")
}
