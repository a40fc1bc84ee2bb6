package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// searchAPI answers POST /search {team, size, cursor} with pages of
// findings and a next_cursor, as search APIs that page in the body do.
func searchAPI(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /teams", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, []map[string]any{{"id": 7, "name": "red"}, {"id": 8, "name": "blue"}})
	})
	mux.HandleFunc("POST /search", func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			Team   int            `json:"team"`
			Size   int            `json:"size"`
			Cursor string         `json:"cursor"`
			Filter map[string]any `json:"filter"`
		}
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil || q.Team == 0 || q.Size != 2 || q.Filter == nil {
			http.Error(w, fmt.Sprintf("bad search body: %v %+v", err, q), http.StatusBadRequest)
			return
		}
		from := 0
		fmt.Sscan(q.Cursor, &from)
		const total = 5
		var results []map[string]any
		for i := from; i < min(from+q.Size, total); i++ {
			state := "open"
			if i == 1 {
				state = "fixed"
			}
			results = append(results, map[string]any{
				"id": fmt.Sprintf("t%d-f%d", q.Team, i), "state": state, "score": 7.5, "internal": "x",
				"meta": map[string]any{"debug": "y", "rule": "r1"},
			})
		}
		body := map[string]any{"results": results}
		if from+q.Size < total {
			body["next_cursor"] = fmt.Sprint(from + q.Size)
		}
		writeJSON(w, body)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestPostSearchWithBodyCursorAndProcessingSteps(t *testing.T) {
	srv := searchAPI(t)
	path := filepath.Join(t.TempDir(), "search.db")
	if _, err := runSpec(t, "search.yml", srv.URL, path, ""); err != nil {
		t.Fatalf("run: %v", err)
	}
	db := openDB(t, path)
	checks := []struct {
		query string
		want  int
	}{
		{`SELECT count(*) FROM findings`, 8}, // 2 teams x 5, less the fixed one of each
		{`SELECT count(*) FROM findings WHERE state = 'fixed'`, 0},
		{`SELECT count(*) FROM findings WHERE cvss = 7.5 AND source = 'scanner' AND meta__rule = 'r1'`, 8},
		{`SELECT count(*) FROM findings WHERE team_name = 'blue' AND _teams_id = 8`, 4},
		{`SELECT count(*) FROM pragma_table_info('findings') WHERE name IN ('internal', 'meta__debug', 'score')`, 0},
	}
	for _, c := range checks {
		if got := count(t, db, c.query); got != c.want {
			t.Errorf("%s = %d, want %d", c.query, got, c.want)
		}
	}
}
