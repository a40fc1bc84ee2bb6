package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// TestMergeCache checks the page cache of load transactions: cacheKiB
// for a first load, mergeCacheKiB once a merge finds existing rows (also
// after the merge made sure of a child table's root index, which builds
// indexes with a smaller cache), and cacheKiB again for the next
// transaction on the connection.
func TestMergeCache(t *testing.T) {
	ctx := t.Context()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "merge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	table := &schema.Table{Name: "issues", Columns: []schema.Column{
		{Name: schema.ColID, Type: schema.Text}, {Name: schema.ColLoadID, Type: schema.Text}, {Name: "title", Type: schema.Text},
	}}
	child := &schema.Table{Name: "issues__tags", Parent: "issues", Columns: []schema.Column{
		{Name: schema.ColID, Type: schema.Text}, {Name: schema.ColLoadID, Type: schema.Text},
		{Name: schema.ColParentID, Type: schema.Text}, {Name: schema.ColRootID, Type: schema.Text},
		{Name: schema.ColListIdx, Type: schema.Bigint}, {Name: "value", Type: schema.Text},
	}}
	load := func(id string, want int) {
		t.Helper()
		tx, err := d.Begin(ctx, destinations.Load{ID: id, Pipeline: "p"})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		for _, tb := range []*schema.Table{table, child} {
			if id != "l1" {
				break // as the engine: only a table whose schema changes is ensured
			}
			if err := tx.EnsureTable(ctx, tb, nil); err != nil {
				t.Fatal(err)
			}
		}
		b := &destinations.Batch{Resource: "issues", Disposition: destinations.Merge, Tables: []destinations.TableRows{
			{Table: table, Rows: []schema.Row{{schema.ColID: "A", schema.ColLoadID: id, "title": "a"}}},
			{Table: child, Rows: []schema.Row{{schema.ColID: "A.0", schema.ColLoadID: id, schema.ColParentID: "A",
				schema.ColRootID: "A", schema.ColListIdx: int64(0), "value": "x"}}},
		}, ChildTables: []string{child.Name}}
		if err := tx.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		sqlTx, err := tx.(destinations.SQLTxer).SQLTx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if err := sqlTx.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != -want {
			t.Errorf("load %s: cache_size %d, want %d", id, got, -want)
		}
		if err := tx.Commit(ctx, destinations.LoadStatus{Status: destinations.StatusCompleted}); err != nil {
			t.Fatal(err)
		}
	}
	load("l1", cacheKiB)
	load("l2", mergeCacheKiB)
	load("l3", mergeCacheKiB)
	var got int
	if err := d.DB().QueryRowContext(ctx, "PRAGMA cache_size").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != -cacheKiB {
		t.Errorf("after the loads, cache_size %d, want %d", got, -cacheKiB)
	}
}
