package engine_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const asanaPAT = "2/1204220771478594/1206075291827482:1d8a8d0e3fd2b7c2e3d2"

// asanaAPI serves GET /api/1.0/tasks?project=…&limit=…&offset=… as Asana
// documents it (https://developers.asana.com/docs/pagination,
// https://developers.asana.com/reference/gettasks): {"data": [...],
// "next_page": {"offset": "eyJ…", "path": "/tasks?…&offset=eyJ…", "uri":
// "https://app.asana.com/api/1.0/tasks?…"}} and "next_page": null on the
// last page; a token it never issued is a 400 {"errors": [{"message":
// "offset: Your pagination token is invalid"}]}; no PAT, a 401.
//
// mode makes the second page hostile: "no_offset" (next_page without its
// offset), "repeat" (the first page's offset again), "foreign" (a uri on
// another host), "type" (due_on a number).
type asanaAPI struct {
	mode     string
	foreign  string // base URL of another origin, for mode "foreign"
	mu       sync.Mutex
	requests int
	badAuth  int
	tasks    []map[string]any
}

func newAsanaAPI(mode string) *asanaAPI {
	a := &asanaAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		task := map[string]any{
			"gid": fmt.Sprintf("120607529182748%d", i), "resource_type": "task",
			"name": fmt.Sprintf("Task %d", i), "completed": i%2 == 0,
			"due_on": nil, "assignee": nil,
			"tags": []map[string]any{},
		}
		if i != 3 {
			task["due_on"] = fmt.Sprintf("2024-02-0%d", i)
			task["assignee"] = map[string]any{"gid": "1204220771478594", "resource_type": "user"}
		}
		if i%2 == 1 {
			task["tags"] = []map[string]any{{"gid": "59746", "name": "urgent"}, {"gid": "59747", "name": "q1"}}
		}
		a.tasks = append(a.tasks, task)
	}
	return a
}

func asanaOffset(i int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","pos":` + strconv.Itoa(i) + `}`))
}

func (a *asanaAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if !curBearer(r, asanaPAT) {
		a.badAuth++
		curWrite(w, 401, `{"errors":[{"message":"Not Authorized"}]}`)
		return
	}
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > 100 {
		curWrite(w, 400, `{"errors":[{"message":"limit: Must be between 1 and 100"}]}`)
		return
	}
	start := 0
	if o := q.Get("offset"); o != "" {
		start = -1
		for i := range a.tasks {
			if asanaOffset(i) == o {
				start = i
			}
		}
		if start < 0 {
			curWrite(w, 400, `{"errors":[{"message":"offset: Your pagination token is invalid"}]}`)
			return
		}
	}
	end := min(start+limit, len(a.tasks))
	page := map[string]any{"data": a.tasks[start:end], "next_page": nil}
	if end < len(a.tasks) {
		nq := url.Values{"project": {q.Get("project")}, "limit": {q.Get("limit")}, "offset": {asanaOffset(end)}}
		host := "http://" + r.Host
		page["next_page"] = map[string]any{"offset": asanaOffset(end), "path": "/tasks?" + nq.Encode(), "uri": host + "/api/1.0/tasks?" + nq.Encode()}
	}
	if start > 0 && start <= limit {
		switch next, _ := page["next_page"].(map[string]any); a.mode {
		case "no_offset":
			delete(next, "offset")
		case "repeat":
			next["offset"] = q.Get("offset")
		case "foreign":
			next["uri"] = a.foreign + "/api/1.0/tasks?offset=" + next["offset"].(string)
		case "type":
			recs := []map[string]any{}
			for _, t := range a.tasks[start:end] {
				c := map[string]any{}
				for k, v := range t {
					c[k] = v
				}
				c["due_on"] = 20240203
				recs = append(recs, c)
			}
			page["data"] = recs
		}
	}
	curWrite(w, 200, curJSON(page))
}

// asanaServers starts the fake and, for its "foreign" mode, another
// origin counting the requests that reach it with the token.
func asanaServers(t *testing.T, a *asanaAPI) (srv *httptest.Server, foreignHits *int) {
	var hits int
	var mu sync.Mutex
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if strings.Contains(r.Header.Get("Authorization"), asanaPAT) || strings.Contains(r.URL.RawQuery, "1d8a8d0e") {
			hits++
		}
		curWrite(w, 200, `{"data":[],"next_page":null}`)
	}))
	t.Cleanup(other.Close)
	a.foreign = other.URL
	mux := http.NewServeMux()
	mux.Handle("/api/1.0/", a)
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &hits
}

const asanaTasksQuery = `SELECT gid, name, completed, typeof(due_on) || ':' || coalesce(due_on, ''), coalesce(assignee__gid, '-') FROM tasks ORDER BY gid`

func asanaTaskRows(tasks []map[string]any, due func(v any) string) []string {
	var out []string
	for _, t := range tasks {
		assignee := "-"
		if a, ok := t["assignee"].(map[string]any); ok {
			assignee = a["gid"].(string)
		}
		out = append(out, fmt.Sprintf("%s|%s|%v|%s|%s", t["gid"], t["name"], t["completed"], due(t["due_on"]), assignee))
	}
	return out
}

func asanaDue(v any) string {
	if v == nil {
		return "null:"
	}
	return fmt.Sprintf("text:%v", v)
}

const asanaTagsQuery = `SELECT t.gid, g.gid, g.name FROM tasks__tags g JOIN tasks t ON g._pipe_parent_id = t._pipe_id ORDER BY t.gid, g._pipe_list_idx`

func asanaTagRows(tasks []map[string]any) []string {
	var out []string
	for _, t := range tasks {
		for _, g := range t["tags"].([]map[string]any) {
			out = append(out, fmt.Sprintf("%s|%s|%s", t["gid"], g["gid"], g["name"]))
		}
	}
	return out
}

// asanaAuto is the Asana spec as a newcomer writes it without a paginator.
func asanaAuto(t *testing.T) string {
	return strings.Replace(curTestdata(t, "asana"), "  paginator: {type: cursor, cursor_path: next_page.offset, cursor_param: offset}\n", "", 1)
}

// TestAsanaNextPageOffset: five tasks in pages of two, with the spec's
// cursor paginator and with none (detection must follow next_page, not
// stop after the first page); null dates and assignees stay NULL, tags
// land as child rows.
func TestAsanaNextPageOffset(t *testing.T) {
	for _, variant := range []string{"cursor", "auto"} {
		t.Run(variant, func(t *testing.T) {
			api := newAsanaAPI("")
			srv, _ := asanaServers(t, api)
			text := ""
			if variant == "auto" {
				text = asanaAuto(t)
			}
			r := curRunText(t, "asana", text, srv.URL+"/api/1.0", filepath.Join(t.TempDir(), "asana.db"), map[string]string{"ASANA_PAT": asanaPAT})
			r.mustLoad(t)
			r.checkTable(t, asanaTasksQuery, asanaTaskRows(api.tasks, asanaDue))
			r.checkTable(t, asanaTagsQuery, asanaTagRows(api.tasks))
			if api.requests != 3 || api.badAuth != 0 {
				t.Errorf("requests = %d (%d without the token), want 3", api.requests, api.badAuth)
			}
			r.noSecret(t, asanaPAT)
		})
	}
}

// TestAsanaHostileNextPage: a next_page that has lost its offset, an
// offset that repeats, and (when detection follows next_page.uri) a uri
// on another host each fail the run naming what was wrong; the token
// never reaches the other host.
func TestAsanaHostileNextPage(t *testing.T) {
	next := "http://api.test/api/1.0/tasks?limit=2&offset=" + asanaOffset(2)
	tests := []struct {
		mode, variant string
		err           error
		parts         []string
	}{
		{"no_offset", "cursor", rest.ErrMorePages, []string{`resource "tasks": page 2: GET ` + next, `next_page`}},
		{"repeat", "cursor", rest.ErrLoop, []string{`resource "tasks": page 2: GET ` + next, "seen before"}},
		{"foreign", "auto", nil, []string{`resource "tasks": page 3: GET http://127.0.0.1:`, "origin not allowed", "allowed_hosts"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode+"/"+tt.variant, func(t *testing.T) {
			api := newAsanaAPI(tt.mode)
			srv, hits := asanaServers(t, api)
			text := ""
			if tt.variant == "auto" {
				text = asanaAuto(t)
			}
			r := curRunText(t, "asana", text, srv.URL+"/api/1.0", filepath.Join(t.TempDir(), "asana.db"), map[string]string{"ASANA_PAT": asanaPAT})
			r.mustFail(t, srv.URL, tt.parts...)
			if tt.err != nil && !errors.Is(r.err, tt.err) {
				t.Errorf("err = %v, want %v", r.err, tt.err)
			}
			if *hits != 0 {
				t.Errorf("%d requests carried the token to the other host", *hits)
			}
			r.noRows(t, "tasks", "tasks__tags")
			r.noSecret(t, asanaPAT)
		})
	}
}

// TestAsanaNextPageReadOnce: the spec's cursor paginator reads
// next_page.offset only, so a uri on another host is never requested; the
// detected one reads next_page.uri only, so a next_page that lost its
// offset is followed all the same. Both load exactly the tasks.
func TestAsanaNextPageReadOnce(t *testing.T) {
	for _, tt := range []struct{ mode, text string }{{"foreign", ""}, {"no_offset", asanaAuto(t)}} {
		t.Run(tt.mode, func(t *testing.T) { asanaExact(t, tt.mode, tt.text) })
	}
}

func asanaExact(t *testing.T, mode, text string) {
	api := newAsanaAPI(mode)
	srv, hits := asanaServers(t, api)
	r := curRunText(t, "asana", text, srv.URL+"/api/1.0", filepath.Join(t.TempDir(), "asana.db"), map[string]string{"ASANA_PAT": asanaPAT})
	r.mustLoad(t)
	r.checkTable(t, asanaTasksQuery, asanaTaskRows(api.tasks, asanaDue))
	if *hits != 0 {
		t.Errorf("%d requests reached the other host", *hits)
	}
}

// TestAsanaDateTurnedNumber: due_on sent as a number on page 2 widens the
// column to text, every value as sent: the dates, and the number's digits.
func TestAsanaDateTurnedNumber(t *testing.T) {
	api := newAsanaAPI("type")
	srv, _ := asanaServers(t, api)
	r := curRunSpec(t, "asana", srv.URL+"/api/1.0", filepath.Join(t.TempDir(), "asana.db"), map[string]string{"ASANA_PAT": asanaPAT})
	r.mustLoad(t)
	r.checkTable(t, `SELECT name FROM pragma_table_info('tasks') WHERE name LIKE 'due%'`, []string{"due_on"})
	r.checkTable(t, `SELECT gid, typeof(due_on), due_on FROM tasks ORDER BY gid`, []string{
		"1206075291827481|text|2024-02-01",
		"1206075291827482|text|2024-02-02",
		"1206075291827483|text|20240203",
		"1206075291827484|text|20240203",
		"1206075291827485|text|2024-02-05",
	})
}
