package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/state"
)

// eventsAPI serves orgs and their events, filtered by `since` (exclusive)
// and paged by a next link, in insertion order as Snyk does. It records
// the since value of each org's first request.
type eventsAPI struct {
	mu     sync.Mutex
	events map[string][]event // org -> events in insertion order
	since  map[string][]string
	fail   string // org whose events answer 500, to fail a run midway
}

type event struct {
	ID        string
	UpdatedAt time.Time
	Title     string
}

func newEventsAPI(orgs, perOrg int) *eventsAPI {
	a := &eventsAPI{events: map[string][]event{}, since: map[string][]string{}}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for o := 0; o < orgs; o++ {
		org := fmt.Sprintf("org%d", o)
		for i := 0; i < perOrg; i++ {
			a.events[org] = append(a.events[org], event{ID: fmt.Sprintf("%s-e%d", org, i), UpdatedAt: base.Add(time.Duration(o*100+i) * time.Hour), Title: "v1"})
		}
	}
	return a
}

// touch updates event i of org at t, as a later API state.
func (a *eventsAPI) touch(org string, i int, t time.Time, title string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events[org][i].UpdatedAt = t
	a.events[org][i].Title = title
}

func (a *eventsAPI) server(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orgs", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		var items []map[string]any
		for org := range a.events {
			items = append(items, map[string]any{"id": org})
		}
		sort.Slice(items, func(i, j int) bool { return items[i]["id"].(string) < items[j]["id"].(string) })
		writeJSON(w, map[string]any{"items": items})
	})
	mux.HandleFunc("GET /orgs/{org}/events", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		org, q := r.PathValue("org"), r.URL.Query()
		if org == a.fail {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		since, err := time.Parse(time.RFC3339Nano, q.Get("since"))
		if err != nil {
			http.Error(w, "bad since", http.StatusBadRequest)
			return
		}
		from, _ := strconv.Atoi(q.Get("from"))
		if from == 0 {
			a.since[org] = append(a.since[org], q.Get("since"))
		}
		limit, _ := strconv.Atoi(q.Get("limit"))
		var matched []event
		for _, e := range a.events[org] {
			if e.UpdatedAt.After(since) {
				matched = append(matched, e)
			}
		}
		body := map[string]any{}
		var items []map[string]any
		for _, e := range matched[min(from, len(matched)):min(from+limit, len(matched))] {
			items = append(items, map[string]any{"id": e.ID, "updated_at": e.UpdatedAt.Format(time.RFC3339), "title": e.Title})
		}
		body["items"] = items
		if from+limit < len(matched) {
			body["next"] = fmt.Sprintf("%s?since=%s&limit=%d&from=%d", r.URL.Path, q.Get("since"), limit, from+limit)
		}
		writeJSON(w, body)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestIncrementalKeepsOneCursorPerParent(t *testing.T) {
	api := newEventsAPI(3, 7)
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "inc.db")
	if _, err := runSpec(t, "incremental.yml", srv.URL, path, ""); err != nil {
		t.Fatalf("first run: %v", err)
	}
	db := openDB(t, path)
	if got := count(t, db, `SELECT count(*) FROM events`); got != 21 {
		t.Fatalf("events after first run = %d, want 21", got)
	}
	if got := count(t, db, `SELECT count(*) FROM _pipe_state WHERE pipeline = 'inc' AND resource = 'events'`); got != 3 {
		t.Errorf("state rows = %d, want one per org (3)", got)
	}

	// org1 changes one event; the others change nothing.
	later := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	api.touch("org1", 2, later, "v2")
	if _, err := runSpec(t, "incremental.yml", srv.URL, path, ""); err != nil {
		t.Fatalf("second run: %v", err)
	}
	wantSince := map[string]string{
		"org0": "2024-01-01T06:00:00Z", // org0's last event: 0*100+6 hours
		"org1": "2024-01-05T10:00:00Z", // org1's last event: 1*100+6 hours
		"org2": "2024-01-09T14:00:00Z",
	}
	for org, want := range wantSince {
		got := api.since[org]
		if len(got) != 2 || got[0] != "2020-01-01T00:00:00Z" || got[1] != want {
			t.Errorf("%s since values = %v, want [initial, %s]", org, got, want)
		}
	}
	if got := count(t, db, `SELECT count(*) FROM events`); got != 21 {
		t.Errorf("events after second run = %d, want 21 (merged, not duplicated)", got)
	}
	if got := count(t, db, `SELECT count(*) FROM events WHERE title = 'v2' AND id = 'org1-e2'`); got != 1 {
		t.Error("the updated event was not merged")
	}
	var cursor string
	if err := db.QueryRow(`SELECT cursor FROM _pipe_state WHERE resource = 'events' AND parent_key = 'id=org1'`).Scan(&cursor); err != nil {
		t.Fatal(err)
	}
	if cursor := state.ParseCursor(cursor).Value; cursor != later.Format(time.RFC3339) {
		t.Errorf("org1 cursor = %q, want %q", cursor, later.Format(time.RFC3339))
	}
}

func TestFailedChainDoesNotAdvanceItsCursorButKeepsOthers(t *testing.T) {
	api := newEventsAPI(3, 4)
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "inc.db")
	api.fail = "org1"
	if _, err := runSpec(t, "incremental.yml", srv.URL, path, ""); err == nil {
		t.Fatal("run with a failing org succeeded")
	}
	db := openDB(t, path)
	if got := count(t, db, `SELECT count(*) FROM _pipe_state WHERE resource = 'events' AND parent_key = 'id=org1'`); got != 0 {
		t.Error("the failed org's cursor was saved")
	}
	if got := count(t, db, `SELECT count(*) FROM _pipe_loads WHERE status = 'failed'`); got != 1 {
		t.Errorf("failed loads = %d, want 1", got)
	}
	api.mu.Lock() // a request of the failed run may still be in the handler
	api.fail = ""
	api.mu.Unlock()
	if _, err := runSpec(t, "incremental.yml", srv.URL, path, ""); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if got := count(t, db, `SELECT count(*) FROM events`); got != 12 {
		t.Errorf("events after rerun = %d, want 12", got)
	}
	if got := api.since["org1"]; len(got) != 1 || got[0] != "2020-01-01T00:00:00Z" {
		t.Errorf("org1 since values = %v, want the rerun to start from the initial value", got)
	}
}
