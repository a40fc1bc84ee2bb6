package engine_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/rest"
)

// hostileSpec loads /items (records under data, merged on key) with the
// paginator auto-detected and max_pages 5; actions adds response_actions.
func hostileSpec(actions string) string {
	return `name: hostile
vars:
  api_url: {default: "http://unused.invalid"}
client:
  base_url: "{vars.api_url}/"
  paginator: {type: auto, max_pages: 5}
resources:
  - name: items
    primary_key: key
    write_disposition: merge
    endpoint:
      path: items
      data_selector: data
` + actions
}

// hostileAPI serves three records on one page in mode "good", and in the
// other modes the same records renamed, with what each mode is about.
type hostileAPI struct {
	mode  atomic.Value // string
	nonce atomic.Int64
}

func (a *hostileAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := "changed"
	if a.mode.Load() == "good" {
		name = "kept"
	}
	data := fmt.Sprintf(`[{"key":"a","name":"%[1]s"},{"key":"b","name":"%[1]s"},{"key":"c","name":"%[1]s"}]`, name)
	w.Header().Set("Content-Type", "application/json")
	switch a.mode.Load() {
	case "good":
		fmt.Fprintf(w, `{"data":%s}`, data)
	case "has_more":
		fmt.Fprintf(w, `{"data":%s,"has_more":true}`, data)
	case "total":
		fmt.Fprintf(w, `{"data":%s,"meta":{"total":250}}`, data)
	case "nonce":
		fmt.Fprintf(w, `{"data":%s,"links":{"next":"/items?page=2&nonce=%d"}}`, data, a.nonce.Add(1))
	case "empty":
	case "html":
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><body>Maintenance</body></html>")
	case "quota":
		io.WriteString(w, `{"error":"quota exceeded"}`)
	}
}

func runHostile(t *testing.T, specText, apiURL, db string) (*engine.Report, error) {
	t.Helper()
	return runInto(t, specPlan(t, "hostile.yml", []byte(specText), apiURL), db, engine.Options{})
}

// TestHostileResponsesFailTheRunAndLoadNothing: a response that shows more
// pages than pipe can follow, a next link that never ends, and bodies that
// are not data fail the run with a message naming the resource, the URL
// and what was wrong; the tables are as before the run, even when the
// failure comes after pages that were read (the nonce case).
func TestHostileResponsesFailTheRunAndLoadNothing(t *testing.T) {
	tests := []struct {
		mode string
		err  error
		msg  string
	}{
		{"has_more", rest.ErrMorePages, `resource "items": page 1: GET http://api.test/items: auto: body "has_more" is true, and no next link, cursor or record id follows it`},
		{"total", rest.ErrMorePages, `resource "items": page 1: GET http://api.test/items: auto: body "meta.total" is 250 and the page held 3 records`},
		{"nonce", rest.ErrMaxPages, `resource "items": page 5: GET http://api.test/items?page=2&nonce=4: auto (json_link): max_pages reached: 5 pages requested`},
		{"empty", nil, `resource "items": page 1: GET http://api.test/items: response body is empty`},
		{"html", nil, `resource "items": page 1: GET http://api.test/items: response body is not JSON (status 200, Content-Type "text/html"`},
		{"quota", nil, `resource "items": page 1: GET http://api.test/items: data_selector "data" not found in the response (it holds keys "error")`},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			api := &hostileAPI{}
			srv := httptest.NewServer(api)
			defer srv.Close()
			dir := t.TempDir()

			// Into a new database: the run fails and loads nothing.
			api.mode.Store(tt.mode)
			api.nonce.Store(0)
			fresh := filepath.Join(dir, "fresh.db")
			rep, err := runHostile(t, hostileSpec(""), srv.URL, fresh)
			checkFailure(t, rep, err, tt.err, tt.msg, srv.URL)
			db := openDB(t, fresh)
			if n := count(t, db, `SELECT count(*) FROM sqlite_master WHERE name = 'items'`); n != 0 {
				if rows := count(t, db, `SELECT count(*) FROM items`); rows != 0 {
					t.Errorf("a failed first load left %d rows", rows)
				}
			}

			// After a good load: the failed run leaves the rows as they were.
			loaded := filepath.Join(dir, "loaded.db")
			api.mode.Store("good")
			if _, err := runHostile(t, hostileSpec(""), srv.URL, loaded); err != nil {
				t.Fatalf("good load: %v", err)
			}
			api.mode.Store(tt.mode)
			api.nonce.Store(0)
			rep, err = runHostile(t, hostileSpec(""), srv.URL, loaded)
			checkFailure(t, rep, err, tt.err, tt.msg, srv.URL)
			db = openDB(t, loaded)
			if got := count(t, db, `SELECT count(*) FROM _pipe_loads WHERE status = 'failed'`); got != 1 {
				t.Errorf("failed loads = %d, want 1", got)
			}
			if got := count(t, db, `SELECT count(*) FROM items WHERE name = 'kept'`); got != 3 {
				t.Errorf("rows kept = %d, want 3", got)
			}
			if got := count(t, db, `SELECT count(*) FROM items`); got != 3 {
				t.Errorf("rows = %d, want 3", got)
			}
			if got := count(t, db, `SELECT count(*) FROM _pipe_loads WHERE status = 'completed'`); got != 1 {
				t.Errorf("completed loads = %d, want 1", got)
			}
		})
	}
}

func checkFailure(t *testing.T, rep *engine.Report, err, sentinel error, msg, srvURL string) {
	t.Helper()
	if err == nil {
		t.Fatalf("run succeeded (report %+v), want an error", rep)
	}
	if rep != nil && rep.Status == "completed" {
		t.Errorf("status %q", rep.Status)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Errorf("err = %v, want %v", err, sentinel)
	}
	if got := strings.ReplaceAll(err.Error(), srvURL, "http://api.test"); !strings.Contains(got, msg) {
		t.Errorf("err = %s\nwant %s", got, msg)
	}
}

// TestQuotaErrorIgnoredByResponseAction: a response_action that matches
// the body makes the same response end the chain quietly.
func TestQuotaErrorIgnoredByResponseAction(t *testing.T) {
	api := &hostileAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "q.db")
	api.mode.Store("good")
	actions := "      response_actions: [{content: quota, action: ignore}]\n"
	if _, err := runHostile(t, hostileSpec(actions), srv.URL, path); err != nil {
		t.Fatal(err)
	}
	api.mode.Store("quota")
	rep, err := runHostile(t, hostileSpec(actions), srv.URL, path)
	if err != nil || rep.Status != "completed" {
		t.Fatalf("run = %v, %v; want completed", rep, err)
	}
	if got := count(t, openDB(t, path), `SELECT count(*) FROM items WHERE name = 'kept'`); got != 3 {
		t.Errorf("rows kept = %d, want 3", got)
	}
}
