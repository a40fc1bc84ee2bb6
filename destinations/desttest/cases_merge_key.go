package desttest

import (
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

var (
	gissues   = rootTable("gissues", col("title", schema.Text), col("day", schema.Text))
	gproblems = childTable("gissues__problems", "gissues", col("code", schema.Text))
)

// testMergeKeyGroups merges with a merge_key (the day): a later load
// replaces the rows of each day it meets whole, child rows included,
// across its batches and checkpoints, and leaves the days it does not
// meet and rows without a day as they were.
func testMergeKeyGroups(t *testing.T, tg Target) {
	merge := func(tx destinations.Tx, byKey bool, roots []schema.Row, kids ...schema.Row) {
		t.Helper()
		b := batch("gissues", destinations.Merge, rowsOf(gissues, roots...), rowsOf(gproblems, kids...))
		b.ChildTables = []string{gproblems.Name}
		if byKey {
			b.MergeKey = []string{"day"}
		}
		write(t, tx, b)
	}
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, gissues, gproblems)
	merge(tx, false, []schema.Row{
		row("A", "l1", "title", "a", "day", "mon"), row("B", "l1", "title", "b", "day", "mon"),
		row("C", "l1", "title", "c", "day", "tue"), row("N", "l1", "title", "n"),
	}, childRow("A.0", "l1", "A", "A", 0, "code", "a0"), childRow("B.0", "l1", "B", "B", 0, "code", "b0"),
		childRow("C.0", "l1", "C", "C", 0, "code", "c0"))
	commit(t, tx, "completed")

	tx = begin(t, tg.Dest, "l2")
	ensure(t, tx, gissues, gproblems)
	merge(tx, true, []schema.Row{row("A", "l2", "title", "a'", "day", "mon")}, childRow("A.0", "l2", "A", "A", 0, "code", "a0'"))
	commit(t, tx, "running")
	tx = begin(t, tg.Dest, "l2")
	ensure(t, tx, gissues, gproblems)
	merge(tx, true, []schema.Row{row("D", "l2", "title", "d", "day", "mon"), row("M", "l2", "title", "m")})
	commit(t, tx, "completed")

	if g, w := ids(t, tg.DB, gissues.Name), []string{"A", "C", "D", "M", "N"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v (B, of monday in an earlier load, replaced)", gissues.Name, g, w)
	}
	if g, w := ids(t, tg.DB, gproblems.Name), []string{"A.0", "C.0"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v", gproblems.Name, g, w)
	}
	roots := read(t, tg.DB, gissues)
	checkRow(t, tg, gissues, roots["A"], "A", "title", "a'", schema.ColLoadID, "l2")
	checkRow(t, tg, gissues, roots["C"], "C", "title", "c", schema.ColLoadID, "l1")
}
