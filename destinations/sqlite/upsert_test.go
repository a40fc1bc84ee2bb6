package sqlite

import (
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/destinations/sqlload"
	"github.com/pipe-etl/pipe/engine/schema"
)

// TestUpsertLeavesIdentity checks that an upsert of a child row sets its
// data and load id but not its key, parent or root id, which the key
// determines: so a merge that rewrites a row in place writes no entry of
// the indexes on _pipe_id and _pipe_root_id (see sqlload's
// sql_merge_inplace.go).
func TestUpsertLeavesIdentity(t *testing.T) {
	d := New()
	cols := []schema.Column{
		{Name: schema.ColID, Type: schema.Text}, {Name: schema.ColLoadID, Type: schema.Text},
		{Name: schema.ColParentID, Type: schema.Text}, {Name: schema.ColRootID, Type: schema.Text},
		{Name: schema.ColListIdx, Type: schema.Bigint}, {Name: "code", Type: schema.Text},
	}
	q := d.cache.Text(d, &sqlload.Insert{Table: "issues__problems", Columns: cols, Conflict: sqlload.DoUpdate}, 1)
	_, set, ok := strings.Cut(q, " DO UPDATE SET ")
	if !ok {
		t.Fatalf("no DO UPDATE SET in %s", q)
	}
	for _, c := range []string{schema.ColLoadID, schema.ColListIdx, "code"} {
		if !strings.Contains(set, d.Quote(c)+" = excluded.") {
			t.Errorf("SET %s lacks %s", set, c)
		}
	}
	for _, c := range []string{schema.ColID, schema.ColParentID, schema.ColRootID} {
		if strings.Contains(set, d.Quote(c)) {
			t.Errorf("SET %s sets %s", set, c)
		}
	}
}
