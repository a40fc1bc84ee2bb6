package engine_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine"
)

// rangeEvents serves GET /events as an API with inclusive since/until
// filters does (GitHub's since, Zendesk's start_time): every event at or
// after since and at or before until, one page. Two events have no
// updated_at: one null, one without the member.
func rangeEvents(t *testing.T) *httptest.Server {
	events := []struct{ id, at string }{
		{"e1", "2024-01-01T00:00:00Z"}, {"e2", "2024-01-02T00:00:00Z"}, {"e3", "2024-01-03T00:00:00Z"},
		{"e4", "2024-01-04T00:00:00Z"}, {"n1", "null"}, {"n2", ""},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		since, until := r.URL.Query().Get("since"), r.URL.Query().Get("until")
		var out []string
		for _, e := range events {
			switch {
			case e.at == "":
				out = append(out, `{"id":"`+e.id+`"}`)
			case e.at == "null":
				out = append(out, `{"id":"`+e.id+`","updated_at":null}`)
			case e.at >= since && (until == "" || e.at <= until):
				out = append(out, `{"id":"`+e.id+`","updated_at":"`+e.at+`"}`)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"events":[` + strings.Join(out, ",") + `]}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestIncrementalRangesAndMissingCursors: dlt's range_start, range_end
// and on_cursor_value_missing, written in dlt's incremental param form,
// decide which records of the window load; raise fails the run naming
// the resource, the page and the record, and loads nothing.
func TestIncrementalRangesAndMissingCursors(t *testing.T) {
	cases := []struct {
		name, settings string
		want           []string
		err            string
	}{
		{"defaults: both ends kept, missing cursors included", ``, []string{"e1", "e2", "e3", "n1", "n2"}, ""},
		{"range_start open", `, range_start: open`, []string{"e2", "e3", "n1", "n2"}, ""},
		{"range_end open", `, range_end: open`, []string{"e1", "e2", "n1", "n2"}, ""},
		{"both open, missing excluded", `, range_start: open, range_end: open, on_cursor_value_missing: exclude`, []string{"e2"}, ""},
		{"closed as written, missing included", `, range_start: closed, range_end: closed, on_cursor_value_missing: include`, []string{"e1", "e2", "e3", "n1", "n2"}, ""},
		{"missing raises", `, on_cursor_value_missing: raise`, nil,
			`resource "events": http://api.test/events?since=2024-01-01T00%3A00%3A00Z&until=2024-01-03T00%3A00%3A00Z: record 4: no cursor value at "updated_at" (incremental.cursor_path) and on_cursor_value_missing is raise`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := rangeEvents(t)
			spec := `client: {base_url: "{vars.api_url}/"}
vars: {api_url: {default: "http://placeholder.invalid"}}
resources:
  - name: events
    primary_key: id
    endpoint:
      path: events
      paginator: single_page
      data_selector: events
      params:
        since: {type: incremental, cursor_path: updated_at, initial_value: "2024-01-01T00:00:00Z", end_value: "2024-01-03T00:00:00Z", end_param: until` + c.settings + `}
`
			db := filepath.Join(t.TempDir(), "r.db")
			_, err := runInto(t, specPlan(t, "ranges.yml", []byte(spec), srv.URL), db, engine.Options{Sleep: noWait})
			if c.err != "" {
				if err == nil || !strings.Contains(strings.ReplaceAll(err.Error(), srv.URL, "http://api.test"), c.err) {
					t.Fatalf("err = %v\nwant one containing %s", err, c.err)
				}
				if n := count(t, openDB(t, db), `SELECT count(*) FROM sqlite_master WHERE name = 'events'`); n != 0 {
					t.Errorf("the failed run left table events")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			rows, err := openDB(t, db).Query(`SELECT id FROM events ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				got = append(got, id)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("loaded %v, want %v", got, c.want)
			}
		})
	}
}
