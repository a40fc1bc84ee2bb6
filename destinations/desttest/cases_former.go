package desttest

import (
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

var (
	fissues   = rootTable("fissues", col("title", schema.Text))
	fproblems = childTable("fissues__problems", "fissues", col("code", schema.Text))
)

// testFormerIDs loads records stored under their former ids (the ids
// earlier versions gave keys written 1.0) again under their new ids: a
// merge replaces the stored rows, child rows included, and an append
// leaves the records as stored; records without a stored former id, and
// former ids of no root row of the batch, change nothing.
func testFormerIDs(t *testing.T, tg Target) {
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, fissues, fproblems)
	b := batch("fissues", destinations.Merge,
		rowsOf(fissues, row("old1", "l1", "title", "one"), row("old2", "l1", "title", "two"), row("K", "l1", "title", "kept")),
		rowsOf(fproblems, childRow("old1.0", "l1", "old1", "old1", 0, "code", "a"), childRow("old1.1", "l1", "old1", "old1", 1, "code", "b"),
			childRow("K.0", "l1", "K", "K", 0, "code", "k")))
	b.ChildTables = []string{fproblems.Name}
	write(t, tx, b)
	commit(t, tx, "completed")

	tx = begin(t, tg.Dest, "l2")
	ensure(t, tx, fissues, fproblems)
	b = batch("fissues", destinations.Merge,
		rowsOf(fissues, row("new1", "l2", "title", "one'")),
		rowsOf(fproblems, childRow("new1.0", "l2", "new1", "new1", 0, "code", "a'")))
	b.ChildTables = []string{fproblems.Name}
	b.FormerIDs = map[string]string{"new1": "old1", "gone": "K"}
	write(t, tx, b)
	b = batch("fissues", destinations.Append, rowsOf(fissues, row("new2", "l2", "title", "two'"), row("new3", "l2", "title", "three")))
	b.ChildTables = []string{fproblems.Name}
	b.FormerIDs = map[string]string{"new2": "old2", "new3": "old3"}
	write(t, tx, b)
	commit(t, tx, "completed")

	if g, w := ids(t, tg.DB, fissues.Name), []string{"K", "new1", "new3", "old2"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v (old1 replaced by new1, old2 kept by the append)", fissues.Name, g, w)
	}
	if g, w := ids(t, tg.DB, fproblems.Name), []string{"K.0", "new1.0"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v", fproblems.Name, g, w)
	}
	roots := read(t, tg.DB, fissues)
	checkRow(t, tg, fissues, roots["new1"], "new1", "title", "one'", schema.ColLoadID, "l2")
	checkRow(t, tg, fissues, roots["old2"], "old2", "title", "two", schema.ColLoadID, "l1")
}
