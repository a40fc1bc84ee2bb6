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
