package sqlload_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/destinations/sqlload"
	"github.com/pipe-etl/pipe/engine/schema"
)

// TestFilterFull loads more roots than the root table's id filter holds:
// the load builds the root table's key when the filter is full and goes
// on telling new roots from repeated ones with it.
func TestFilterFull(t *testing.T) {
	defer sqlload.SetFilterSize(8, 1)()
	ctx := t.Context()
	d, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "pipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	root := &schema.Table{Name: "r", Columns: []schema.Column{
		{Name: schema.ColID, Type: schema.Text, PrimaryKey: true}, {Name: "v", Type: schema.Bigint, Nullable: true}}}
	kids := &schema.Table{Name: "r__k", Parent: "r", Columns: []schema.Column{
		{Name: schema.ColID, Type: schema.Text, PrimaryKey: true}, {Name: schema.ColRootID, Type: schema.Text, Nullable: true},
		{Name: "v", Type: schema.Bigint, Nullable: true}}}
	tx, err := d.Begin(ctx, destinations.Load{ID: "l1", Pipeline: "p", Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, tb := range []*schema.Table{root, kids} {
		if err := tx.EnsureTable(ctx, tb, nil); err != nil {
			t.Fatal(err)
		}
	}
	merge := func(v int64, ids ...int) {
		t.Helper()
		var rs, ks []schema.Row
		for _, i := range ids {
			id := fmt.Sprint("r", i)
			rs = append(rs, schema.Row{schema.ColID: id, "v": v})
			ks = append(ks, schema.Row{schema.ColID: id + ".0", schema.ColRootID: id, "v": v})
			if v == 1 { // a second child the next merge drops
				ks = append(ks, schema.Row{schema.ColID: id + ".1", schema.ColRootID: id, "v": v})
			}
		}
		if err := tx.Write(ctx, &destinations.Batch{Resource: "r", Disposition: destinations.Merge, ChildTables: []string{"r__k"},
			Tables: []destinations.TableRows{{Table: root, Rows: rs}, {Table: kids, Rows: ks}}}); err != nil {
			t.Fatal(err)
		}
	}
	merge(1, 0, 1, 2, 3, 4, 5)  // fits the filter
	merge(1, 6, 7, 8, 9)        // does not: the root key is built
	merge(2, 7, 10, 11)         // r7 again, found by the key only
	merge(2, 12, 13, 14, 15, 1) // r1 again
	if err := tx.Commit(ctx, destinations.LoadStatus{Status: "completed"}); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := d.DB().SelectContext(ctx, &got, `SELECT k._pipe_id || '=' || k.v FROM r__k k ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 0; i <= 15; i++ {
		v := 1
		if i == 1 || i == 7 || i >= 10 {
			v = 2
		}
		want = append(want, fmt.Sprintf("r%d.0=%d", i, v))
		if v == 1 {
			want = append(want, fmt.Sprintf("r%d.1=1", i))
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("child rows\n got %v\nwant %v", got, want)
	}
}
