package desttest

import (
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// testMergeAgainInLoad merges roots of existing tables twice in one
// later load, across a checkpoint and within one transaction, each time
// with fewer child rows: the child rows a record no longer has go,
// also those the same load wrote a batch earlier (which carry its load
// id, as the rows that stay do).
func testMergeAgainInLoad(t *testing.T, tg Target) {
	merge := func(tx destinations.Tx, root []schema.Row, kids []schema.Row, grandkids []schema.Row) {
		t.Helper()
		b := batch("issues", destinations.Merge, rowsOf(issues, root...), rowsOf(problems, kids...), rowsOf(refs, grandkids...))
		b.ChildTables = []string{problems.Name, refs.Name}
		write(t, tx, b)
	}
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, issues, problems, refs)
	merge(tx, []schema.Row{row("A", "l1"), row("B", "l1")},
		[]schema.Row{childRow("A.0", "l1", "A", "A", 0, "code", "a-0"), childRow("B.0", "l1", "B", "B", 0, "code", "b-0")}, nil)
	commit(t, tx, "completed")

	tx = begin(t, tg.Dest, "l2")
	ensure(t, tx, issues, problems, refs)
	merge(tx, []schema.Row{row("A", "l2"), row("B", "l2")},
		[]schema.Row{
			childRow("A.0", "l2", "A", "A", 0, "code", "a-0'"),
			childRow("A.1", "l2", "A", "A", 1, "code", "a-1"),
			childRow("A.2", "l2", "A", "A", 2, "code", "a-2"),
			childRow("B.0", "l2", "B", "B", 0, "code", "b-0'"),
			childRow("B.1", "l2", "B", "B", 1, "code", "b-1"),
		},
		[]schema.Row{childRow("A.1.0", "l2", "A.1", "A", 0, "url", "u")})
	commit(t, tx, "running")

	tx = begin(t, tg.Dest, "l2")
	ensure(t, tx, issues, problems, refs)
	merge(tx, []schema.Row{row("A", "l2")}, []schema.Row{childRow("A.0", "l2", "A", "A", 0, "code", "a-0''"), childRow("A.1", "l2", "A", "A", 1)}, nil)
	merge(tx, []schema.Row{row("B", "l2")}, []schema.Row{childRow("B.0", "l2", "B", "B", 0, "code", "b-0''")}, nil)
	merge(tx, []schema.Row{row("A", "l2")}, []schema.Row{childRow("A.0", "l2", "A", "A", 0, "code", "a-0'''")}, nil)
	commit(t, tx, "completed")

	if g, w := ids(t, tg.DB, problems.Name), []string{"A.0", "B.0"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v", problems.Name, g, w)
	}
	if g := ids(t, tg.DB, refs.Name); len(g) != 0 {
		t.Errorf("%s ids = %v, want none", refs.Name, g)
	}
	kids := read(t, tg.DB, problems)
	checkRow(t, tg, problems, kids["A.0"], "A.0", "code", "a-0'''", schema.ColRootID, "A", schema.ColLoadID, "l2")
	checkRow(t, tg, problems, kids["B.0"], "B.0", "code", "b-0''", schema.ColRootID, "B")
}
