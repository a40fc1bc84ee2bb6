package engine_test

import (
	"fmt"
	"testing"
)

// TestSecretAsAKey: an API that echoes the token as a JSON key (a map
// keyed by credential, a debug echo) gets its value stored under a column
// named with the token as *** (seen__*** in snake_case), and no form of
// the token in a column name or in _pipe_schema's record of keys.
func TestSecretAsAKey(t *testing.T) {
	run, _, _ := runPages(t, &bodiesAPI{
		first:  fmt.Sprintf(`{"items": [{"id": 1, "name": "one", "seen": {%q: true, "other": 2}}], "next": "/items?page=2"}`, bodiesToken),
		second: servePage(`{"items": [{"id": 2, "name": "two", "seen": {"other": 3}}]}`),
	})
	if run.err != nil {
		t.Fatalf("run: %v", run.err)
	}
	sameRows(t, "items", rowsOf(t, run.db, `SELECT id, name, seen___, seen__other FROM items ORDER BY id`), []string{"1 one true 2", "2 two <nil> 3"})
}

// TestEmptyKeyKeepsItsColumn: the empty key "" (an analytics API's
// bucket of records without a value: {"": 3, "us": 5}) keeps its column
// in later runs. Its Key was recorded as "", which reads as a column no
// key owns, so the next run gave column "_" to the key "_" and moved ""
// to another: one column held two keys' values, exit 0.
func TestEmptyKeyKeepsItsColumn(t *testing.T) {
	api := &bodiesAPI{first: `{"items": [{"id": 1, "": "empty"}], "next": null}`}
	o := newVendorOrigin(t, api)
	db := t.TempDir() + "/empty.db"
	vars := map[string]string{"api_url": o.srv.URL}
	env := map[string]string{"BODIES_TOKEN": bodiesToken}
	if run := runVendorSpec(t, "bodies", bodiesSpec, vars, env, db); run.err != nil {
		t.Fatalf("run 1: %v", run.err)
	}
	api.first = `{"items": [{"id": 2, "_": "under"}, {"id": 3, "": "e3"}], "next": null}`
	if run := runVendorSpec(t, "bodies", bodiesSpec, vars, env, db); run.err != nil {
		t.Fatalf("run 2: %v", run.err)
	}
	sameRows(t, "items", rowsOf(t, db, `SELECT id, "_" FROM items ORDER BY id`), []string{"1 empty", "2 <nil>", "3 e3"})
}
