package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/plan"
)

// inclusiveAPI returns the records updated at or after `since`, as
// Zendesk's incremental export does with start_time ("items that changed
// since the start time", the start included): records at the start
// value come again on every run that starts there. tickets is a root
// list; events a list per org.
type inclusiveAPI struct {
	mu      sync.Mutex
	tickets []item
	events  map[string][]item // org -> events
}

type item struct {
	ID        int
	UpdatedAt time.Time
}

func (a *inclusiveAPI) add(list *[]item, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	*list = append(*list, item{ID: len(*list) + 1, UpdatedAt: at})
}

func (a *inclusiveAPI) server(t *testing.T) *httptest.Server {
	since := func(w http.ResponseWriter, r *http.Request, items []item) []map[string]any {
		s, err := time.Parse(time.RFC3339, r.URL.Query().Get("since"))
		if err != nil {
			http.Error(w, "bad since", http.StatusBadRequest)
			return nil
		}
		out := []map[string]any{}
		for _, it := range items {
			if !it.UpdatedAt.Before(s) { // inclusive
				out = append(out, map[string]any{"id": it.ID, "updated_at": it.UpdatedAt.Format(time.RFC3339)})
			}
		}
		return out
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /tickets", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if out := since(w, r, a.tickets); out != nil {
			writeJSON(w, map[string]any{"tickets": out})
		}
	})
	mux.HandleFunc("GET /orgs", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"orgs": []map[string]any{{"id": "o1"}, {"id": "o2"}}})
	})
	mux.HandleFunc("GET /orgs/{org}/events", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if out := since(w, r, a.events[r.PathValue("org")]); out != nil {
			writeJSON(w, map[string]any{"events": out})
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func newInclusiveAPI() *inclusiveAPI {
	a := &inclusiveAPI{events: map[string][]item{}}
	day := func(d int) time.Time { return time.Date(2024, 2, d, 0, 0, 0, 0, time.UTC) }
	for _, d := range []int{1, 2, 3, 3} { // two records share the last timestamp
		a.add(&a.tickets, day(d))
	}
	for _, org := range []string{"o1", "o2"} {
		list := a.events[org]
		for _, d := range []int{1, 5, 5} {
			a.add(&list, day(d))
		}
		a.events[org] = list
	}
	return a
}

// TestRerunOfInclusiveAPIAddsNoDuplicates: by default records outside
// the window are dropped on the client and records at the start value
// that an earlier run loaded are skipped, so reruns of append resources
// without a primary key add only what is new, per root and per parent.
func TestRerunOfInclusiveAPIAddsNoDuplicates(t *testing.T) {
	api := newInclusiveAPI()
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "inc.db")
	run := func(what string) {
		t.Helper()
		if _, err := runSpec(t, "inclusive.yml", srv.URL, path, ""); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	db := openDB(t, path)
	counts := func() string {
		return fmt.Sprintf("tickets=%d events=%d", count(t, db, `SELECT count(*) FROM tickets`), count(t, db, `SELECT count(*) FROM events`))
	}
	run("first run")
	if got := counts(); got != "tickets=4 events=6" {
		t.Fatalf("after the first run %s", got)
	}
	run("rerun")
	if got := counts(); got != "tickets=4 events=6" {
		t.Errorf("a rerun with nothing new: %s, want tickets=4 events=6 (no duplicates)", got)
	}
	// New records at the boundary timestamp and after it.
	api.add(&api.tickets, time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC))
	api.add(&api.tickets, time.Date(2024, 2, 4, 0, 0, 0, 0, time.UTC))
	o1 := api.events["o1"]
	api.add(&o1, time.Date(2024, 2, 5, 0, 0, 0, 0, time.UTC))
	api.events["o1"] = o1
	run("run with new records")
	if got := counts(); got != "tickets=6 events=7" {
		t.Errorf("after new records: %s, want tickets=6 events=7", got)
	}
	run("rerun")
	if got := counts(); got != "tickets=6 events=7" {
		t.Errorf("a second rerun: %s, want tickets=6 events=7", got)
	}
}

// TestIncrementalFilterFalseTrustsTheServer: with incremental.filter:
// false pipe sends the start value and loads what the server returns, as
// before: an inclusive API's boundary records come again.
func TestIncrementalFilterFalseTrustsTheServer(t *testing.T) {
	api := newInclusiveAPI()
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "inc.db")
	trust := func(p *plan.Plan) {
		off := false
		for _, r := range p.Resources {
			if r.Incremental != nil {
				inc := *r.Incremental
				inc.Filter = &off
				r.Incremental = &inc
			}
		}
	}
	for i := 0; i < 2; i++ {
		if _, err := runTuned(t, "inclusive.yml", srv.URL, path, "", trust); err != nil {
			t.Fatal(err)
		}
	}
	db := openDB(t, path)
	// The rerun starts at Feb 3 (tickets) and Feb 5 (each org's events).
	if got := count(t, db, `SELECT count(*) FROM tickets`); got != 4+2 {
		t.Errorf("tickets = %d, want 6 (the two at the start value again)", got)
	}
	if got := count(t, db, `SELECT count(*) FROM events`); got != 6+4 {
		t.Errorf("events = %d, want 10 (each org's two at the start value again)", got)
	}
	var cursor string
	if err := db.QueryRow(`SELECT cursor FROM _pipe_state WHERE resource = 'tickets'`).Scan(&cursor); err != nil || cursor != "2024-02-03T00:00:00Z" {
		t.Errorf("cursor = %q (%v), want the plain value as before", cursor, err)
	}
}
