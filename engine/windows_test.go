package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/state"
)

// TestIncrementalWindows: an API that needs both bounds and refuses a
// range over 31 days is read in 30-day windows through start_param and
// end_param; with ignoreBounds it returns everything and client-side
// filtering (filter: true, the default) keeps only the window's records.
func TestIncrementalWindows(t *testing.T) {
	for _, ignoreBounds := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignoreBounds=%v", ignoreBounds), func(t *testing.T) {
			base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			var mu sync.Mutex
			var ranges []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				from, err1 := time.Parse(time.RFC3339, r.URL.Query().Get("from"))
				to, err2 := time.Parse(time.RFC3339, r.URL.Query().Get("to"))
				if err1 != nil || err2 != nil || to.Sub(from) > 31*24*time.Hour {
					http.Error(w, "from and to are required, at most 31 days apart", http.StatusBadRequest)
					return
				}
				mu.Lock()
				ranges = append(ranges, r.URL.Query().Get("from")+"/"+r.URL.Query().Get("to"))
				mu.Unlock()
				var items []map[string]any
				for i := 0; i < 90; i++ { // an event every day from Jan 1 (Jan 1 itself is never after a start)
					ts := base.Add(time.Duration(i) * 24 * time.Hour)
					if ignoreBounds || ts.After(from) && !ts.After(to) {
						items = append(items, map[string]any{"id": i, "ts": ts.Format(time.RFC3339)})
					}
				}
				writeJSON(w, items)
			}))
			defer srv.Close()
			path := filepath.Join(t.TempDir(), "w.db")
			if _, err := runSpec(t, "windows.yml", srv.URL, path, ""); err != nil {
				t.Fatal(err)
			}
			want := []string{
				"2024-01-01T00:00:00Z/2024-01-31T00:00:00Z",
				"2024-01-31T00:00:00Z/2024-03-01T00:00:00Z",
				"2024-03-01T00:00:00Z/2024-03-15T00:00:00Z",
			}
			if fmt.Sprint(ranges) != fmt.Sprint(want) {
				t.Errorf("requested ranges %v, want %v", ranges, want)
			}
			db := openDB(t, path)
			// The server's windows hold Jan 2 .. Mar 15 (74 events: it never
			// returns a start). An API ignoring the bounds returns
			// everything, and client-side filtering keeps Jan 1 .. Mar 15:
			// the start value inclusive, as in dlt (75 events), and the
			// events at window edges once.
			wantEvents := 74
			if ignoreBounds {
				wantEvents = 75
			}
			if got := count(t, db, `SELECT count(*) FROM events`); got != wantEvents {
				t.Errorf("events = %d, want %d", got, wantEvents)
			}
			var cursor string
			if err := db.QueryRow(`SELECT cursor FROM _pipe_state WHERE resource = 'events'`).Scan(&cursor); err != nil || state.ParseCursor(cursor).Value != "2024-03-15T00:00:00Z" {
				t.Errorf("cursor = %q (%v), want the last event in range", cursor, err)
			}
		})
	}
}
