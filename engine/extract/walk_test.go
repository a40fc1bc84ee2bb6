package extract

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/engine/state"
)

// TestWalkKeepsRecordsAndFollowsTheCursor: a walk keeps the records that
// pass the filter step and the window, skips the record at the committed
// value that the previous run loaded, and ends with the largest value
// and the records at it.
func TestWalkKeepsRecordsAndFollowsTheCursor(t *testing.T) {
	records := []map[string]any{
		{"id": 1, "ts": 5, "ok": true},  // before the start: dropped
		{"id": 2, "ts": 10, "ok": true}, // at the start, loaded before: skipped
		{"id": 3, "ts": 10, "ok": true}, // at the start, new: kept
		{"id": 4, "ts": 12, "ok": 0},    // filtered out, and moves no cursor
		{"id": 5, "ts": 11, "ok": true},
		{"id": 6, "ok": true}, // no cursor: kept
	}
	var raws []string
	for _, r := range records {
		b, _ := json.Marshal(r)
		raws = append(raws, string(b))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("[" + strings.Join(raws, ",") + "]"))
	}))
	defer srv.Close()
	src := `name: w
client: {base_url: "` + srv.URL + `/", paginator: single_page}
resources:
  - name: items
    endpoint:
      path: items
      incremental: {cursor_path: ts, initial_value: "0"}
    processing_steps:
      - filter: ok
`
	s, err := spec.Load("w.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(s, plan.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	x := &Extractor{Plan: p, Client: rest.NewClient(rest.Options{}), Redactor: rest.NewRedactor()}
	c := Chain{Resource: p.Resource("items")}
	committed := state.Cursor{Value: "10", Boundary: []string{state.RecordHash(raws[1])}}
	w, err := x.Walk(c, committed, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for page, err := range w.Pages(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Records {
			kept = append(kept, r.Get("id").String())
		}
	}
	if got := strings.Join(kept, ","); got != "3,5,6" {
		t.Errorf("kept %s, want 3,5,6", got)
	}
	e, changed := w.Cursor()
	cur := state.ParseCursor(e.Cursor)
	if !changed || e.Key != (state.Key{Resource: "items"}) || cur.Value != "11" || len(cur.Boundary) != 1 || cur.Boundary[0] != state.RecordHash(raws[4]) {
		t.Errorf("cursor %+v (%+v), changed %v; want 11 with record 5", e, cur, changed)
	}
}
