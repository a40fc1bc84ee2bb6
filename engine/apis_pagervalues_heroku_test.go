package engine_test

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const herokuKey = "HRKU-3f2a9c1e-7b64-4d0a-9e5c-2b8f1d6a4c70"

func herokuEnv() map[string]string { return map[string]string{"HEROKU_API_KEY": herokuKey} }

// herokuAPI serves GET /apps as Heroku's Platform API reference describes
// it (https://devcenter.heroku.com/articles/platform-api-reference, its
// "Clients", "Ranges" and "Rate Limits" sections): the Accept header
// with version=3 (400 otherwise) and a bearer token (401 otherwise);
// apps sorted by id; a Range request header "id ]<last id>; max=N" (or
// "id ..; max=N") picks the page; a truncated list is a 206 Partial
// Content with Content-Range and Next-Range, the last page a 200 without
// Next-Range. The default page size is 200 in Heroku; here it is max,
// 2, so that five apps are three pages.
//
// mode: "repeat" (the second page's Next-Range names the first page's
// range again).
type herokuAPI struct {
	mu     sync.Mutex
	mode   string
	ranges []string // the Range header of each apps request, "" for none
	apps   []map[string]any
}

func newHerokuAPI(mode string) *herokuAPI {
	a := &herokuAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		a.apps = append(a.apps, map[string]any{
			"id": fmt.Sprintf("01234567-89ab-cdef-0123-4567890abc%02d", i), "name": fmt.Sprintf("app-%d", i),
			"region":           map[string]any{"id": "59accabd-516d-4f0e-83e6-6e3757701145", "name": "us"},
			"stack":            map[string]any{"id": "ee582d3c-717d-4a57-ba5a-b4ad9c7b8cb2", "name": "heroku-24"},
			"created_at":       fmt.Sprintf("2024-0%d-01T12:00:00Z", i),
			"maintenance":      i == 3,
			"slug_size":        i * 1024 * 1024,
			"acm":              false,
			"build_stack":      map[string]any{"name": "heroku-24"},
			"git_url":          fmt.Sprintf("https://git.heroku.com/app-%d.git", i),
			"archived_at":      nil,
			"internal_routing": nil,
		})
	}
	return a
}

func (a *herokuAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.Header.Get("Accept") != "application/vnd.heroku+json; version=3" {
		curWrite(w, 400, `{"id": "bad_request", "message": "Please specify a version along with Heroku's API MIME type. For example, Accept: application/vnd.heroku+json; version=3"}`)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+herokuKey {
		curWrite(w, 401, `{"id": "unauthorized", "message": "Invalid credentials provided."}`)
		return
	}
	if r.URL.Path != "/apps" {
		curWrite(w, 404, `{"id": "not_found", "message": "Couldn't find that app."}`)
		return
	}
	rng := r.Header.Get("Range")
	a.ranges = append(a.ranges, rng)
	after, limit := "", 2
	if rng != "" {
		spec, max, _ := strings.Cut(rng, ";")
		if n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(max), "max=")); err == nil && n > 0 {
			limit = n
		}
		switch f := strings.TrimSpace(spec); {
		case f == "id ..":
		case strings.HasPrefix(f, "id ]") && strings.HasSuffix(f, ".."):
			after = strings.TrimSuffix(strings.TrimPrefix(f, "id ]"), "..")
		default:
			curWrite(w, 400, `{"id": "bad_request", "message": "Invalid Range header."}`)
			return
		}
	}
	var page []map[string]any
	for _, app := range a.apps {
		if id := app["id"].(string); id > after && len(page) < limit {
			page = append(page, app)
		}
	}
	last := page[len(page)-1]["id"].(string)
	more := last != a.apps[len(a.apps)-1]["id"].(string)
	w.Header().Set("Content-Range", fmt.Sprintf("id %s..%s; max=%d", page[0]["id"], last, limit))
	status := 200
	if more {
		status = 206
		next := last
		if a.mode == "repeat" && after != "" {
			next = after // the range just asked, again
		}
		w.Header().Set("Next-Range", fmt.Sprintf("id ]%s..; max=%d", next, limit))
	}
	w.Header().Set("RateLimit-Remaining", "4499")
	curWrite(w, status, curJSON(page))
}

func (a *herokuAPI) asked() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.ranges...)
}

// TestHerokuAppsByRange: the first request sends no Range (there is no
// cursor yet: the header whose value is {paginator.cursor} is left out),
// each later one the Next-Range the page before answered, byte for byte,
// until the 200 without Next-Range; every app loaded exactly.
func TestHerokuAppsByRange(t *testing.T) {
	api := newHerokuAPI("")
	r, _ := curServe(t, api, "heroku", "", herokuEnv())
	r.mustLoad(t)
	var want []string
	for _, app := range api.apps {
		want = append(want, fmt.Sprintf("%v|%v|%v|%v", app["id"], app["name"], app["region"].(map[string]any)["name"], app["maintenance"]))
	}
	sort.Strings(want)
	r.checkTable(t, `SELECT id, name, region__name, CASE maintenance WHEN 1 THEN 'true' ELSE 'false' END FROM apps ORDER BY id`, want)
	got := api.asked()
	wantRanges := []string{"", "id ]01234567-89ab-cdef-0123-4567890abc02..; max=2", "id ]01234567-89ab-cdef-0123-4567890abc04..; max=2"}
	if strings.Join(got, "|") != strings.Join(wantRanges, "|") {
		t.Errorf("Range headers sent %q, want %q", got, wantRanges)
	}
	r.noSecret(t, herokuKey)
}

// TestHerokuHostile: a Next-Range that names a range asked before fails
// as a loop naming the header and {paginator.cursor}; a spec that leaves
// the paginator to auto, as a newcomer may, fails on the first 206 naming
// Next-Range and the settings that follow it, rather than load the first
// two apps of five with exit 0.
func TestHerokuHostile(t *testing.T) {
	t.Run("repeat", func(t *testing.T) {
		api := newHerokuAPI("repeat")
		r, srvURL := curServe(t, api, "heroku", "", herokuEnv())
		r.failedClean(t, srvURL, rest.ErrLoop, herokuKey, []string{"apps"}, `resource "apps"`, `header "Next-Range"`, "{paginator.cursor}")
	})
	t.Run("auto", func(t *testing.T) {
		text := curEdited(t, "heroku", `      headers: {Range: "{paginator.cursor}"}
      paginator: {type: header_cursor, cursor_key: Next-Range}
`, "")
		api := newHerokuAPI("")
		r, srvURL := curServe(t, api, "heroku", text, herokuEnv())
		r.failedClean(t, srvURL, rest.ErrMorePages, herokuKey, []string{"apps"}, `resource "apps"`, "status 206 with header Next-Range", `headers: {Range: "{paginator.cursor}"}`)
	})
}
