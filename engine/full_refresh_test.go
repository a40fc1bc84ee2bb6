package engine_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/state"
)

// runOpts loads testdata/<file> against apiURL into the SQLite file db
// with the engine options adjusted by tune.
func runOpts(t *testing.T, file, apiURL, db string, tune func(*engine.Options)) (*engine.Report, error) {
	t.Helper()
	o := engine.Options{Secrets: secrets.Env{Lookup: noEnv}, Sleep: noWait}
	if tune != nil {
		tune(&o)
	}
	return runInto(t, testdataPlan(t, file, apiURL), db, o)
}

func fullRefresh(o *engine.Options) {
	o.FullRefresh = true
	o.CheckpointRows = 2 // commits midway, which must not show the refresh
}

// TestFullRefreshLeavesExactlyTheAPIsData: after incremental runs, the
// API loses an org (and so its events) and an event of another org. A
// full refresh leaves exactly the API's data, and one cursor per
// remaining org at its largest value; the lost org's cursor is gone.
func TestFullRefreshLeavesExactlyTheAPIsData(t *testing.T) {
	api := newEventsAPI(3, 5)
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "inc.db")
	for range 2 {
		if _, err := runOpts(t, "incremental.yml", srv.URL, path, nil); err != nil {
			t.Fatal(err)
		}
	}
	api.mu.Lock()
	delete(api.events, "org2")
	api.events["org0"] = slices.Delete(api.events["org0"], 4, 5) // the newest: org0's cursor moves back
	api.mu.Unlock()
	if _, err := runOpts(t, "incremental.yml", srv.URL, path, fullRefresh); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	got := queryStrings(t, db, `SELECT id || ' ' || title || ' ' || _orgs_id FROM events ORDER BY id`)
	want := []string{
		"org0-e0 v1 org0", "org0-e1 v1 org0", "org0-e2 v1 org0", "org0-e3 v1 org0",
		"org1-e0 v1 org1", "org1-e1 v1 org1", "org1-e2 v1 org1", "org1-e3 v1 org1", "org1-e4 v1 org1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("events after the full refresh:\n%v\nwant\n%v", got, want)
	}
	if got := queryStrings(t, db, `SELECT id FROM orgs ORDER BY id`); !slices.Equal(got, []string{"org0", "org1"}) {
		t.Errorf("orgs after the full refresh: %v", got)
	}
	var cursors []string
	for _, c := range queryStrings(t, db, `SELECT resource || ' ' || parent_key || '|' || cursor FROM _pipe_state ORDER BY 1`) {
		key, text, _ := strings.Cut(c, "|")
		cursors = append(cursors, key+" "+state.ParseCursor(text).Value)
	}
	wantCursors := []string{
		"events id=org0 2024-01-01T03:00:00Z",
		"events id=org1 2024-01-05T08:00:00Z",
	}
	if !slices.Equal(cursors, wantCursors) {
		t.Errorf("cursors after the full refresh:\n%v\nwant\n%v", cursors, wantCursors)
	}
}

// TestFailedFullRefreshKeepsTablesAndCursors: a full refresh that fails
// midway (one org answers 500, after checkpoints) changes neither the
// tables nor the cursors, although the API lost data meanwhile.
func TestFailedFullRefreshKeepsTablesAndCursors(t *testing.T) {
	api := newEventsAPI(3, 5)
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "inc.db")
	if _, err := runOpts(t, "incremental.yml", srv.URL, path, nil); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	snapshot := func() []string {
		rows := queryStrings(t, db, `SELECT id || ' ' || title FROM events ORDER BY id`)
		rows = append(rows, queryStrings(t, db, `SELECT id FROM orgs ORDER BY id`)...)
		return append(rows, queryStrings(t, db, `SELECT resource || ' ' || parent_key || ' ' || cursor || ' ' || load_id FROM _pipe_state ORDER BY 1`)...)
	}
	before := snapshot()
	api.mu.Lock()
	api.events["org0"] = api.events["org0"][:2]
	api.fail = "org2"
	api.mu.Unlock()
	if _, err := runOpts(t, "incremental.yml", srv.URL, path, fullRefresh); err == nil {
		t.Fatal("the full refresh succeeded against a failing org")
	}
	if after := snapshot(); !slices.Equal(before, after) {
		t.Errorf("a failed full refresh changed the data:\nbefore %v\nafter  %v", before, after)
	}
}
