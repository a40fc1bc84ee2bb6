package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/sqlload"
	"github.com/pipe-etl/pipe/engine/schema"
)

// TestMergeCache checks the page cache of load transactions: cacheKiB
// for a first load and for a merge that finds fewer than
// sqlload.MergeTuneRoots existing roots (an incremental run's few
// changed records), mergeCacheKiB once a load's merges have found that
// many (also after the merge made sure of a child table's root index,
// which builds indexes with a smaller cache, and in the load's later
// transactions), and cacheKiB again for the next load on the connection.
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
	// load writes roots roots in one transaction of load id, which ends
	// the load unless more follow, and checks the cache it ran with.
	load := func(id string, roots int, more bool, want int) {
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
			{Table: table}, {Table: child},
		}, ChildTables: []string{child.Name}}
		for i := range roots {
			root := fmt.Sprint("A", i)
			b.Tables[0].Rows = append(b.Tables[0].Rows, schema.Row{schema.ColID: root, schema.ColLoadID: id, "title": "a"})
			b.Tables[1].Rows = append(b.Tables[1].Rows, schema.Row{schema.ColID: root + ".0", schema.ColLoadID: id,
				schema.ColParentID: root, schema.ColRootID: root, schema.ColListIdx: int64(0), "value": "x"})
		}
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
			t.Errorf("load %s: merging %d roots: cache_size %d, want %d", id, roots, got, -want)
		}
		status := destinations.StatusCompleted
		if more {
			status = destinations.StatusRunning
		}
		if err := tx.Commit(ctx, destinations.LoadStatus{Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	all := sqlload.MergeTuneRoots
	load("l1", all, false, cacheKiB)
	load("l2", 1, false, cacheKiB)
	load("l3", all-1, true, cacheKiB)
	load("l3", 1, true, mergeCacheKiB)
	load("l3", 1, false, mergeCacheKiB)
	load("l4", all, false, mergeCacheKiB)
	load("l5", 1, false, cacheKiB)
	var got int
	if err := d.DB().QueryRowContext(ctx, "PRAGMA cache_size").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != -cacheKiB {
		t.Errorf("after the loads, cache_size %d, want %d", got, -cacheKiB)
	}
}
