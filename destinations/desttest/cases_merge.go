package desttest

import (
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/sqlload"
	"github.com/pipe-etl/pipe/engine/schema"
)

// testMergeWithinLoad merges the same roots again later in the load that
// created the tables, across a checkpoint and within one transaction:
// the child rows of the earlier merge are replaced each time, before
// the load ends and builds the tables' root indexes.
func testMergeWithinLoad(t *testing.T, tg Target) {
	merge := func(tx destinations.Tx, root []schema.Row, kids []schema.Row, grandkids []schema.Row) {
		t.Helper()
		b := batch("issues", destinations.Merge, rowsOf(issues, root...), rowsOf(problems, kids...), rowsOf(refs, grandkids...))
		b.ChildTables = []string{problems.Name, refs.Name}
		write(t, tx, b)
	}
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, issues, problems, refs)
	merge(tx, []schema.Row{row("A", "l1"), row("B", "l1")},
		[]schema.Row{
			childRow("A.0", "l1", "A", "A", 0, "code", "a-0"),
			childRow("A.1", "l1", "A", "A", 1, "code", "a-1"),
			childRow("B.0", "l1", "B", "B", 0, "code", "b-0"),
		},
		[]schema.Row{childRow("A.1.0", "l1", "A.1", "A", 0, "url", "u")})
	commit(t, tx, "running")

	tx = begin(t, tg.Dest, "l1")
	ensure(t, tx, issues, problems, refs)
	merge(tx, []schema.Row{row("A", "l1"), row("C", "l1")},
		[]schema.Row{
			childRow("A.0", "l1", "A", "A", 0, "code", "a-0'"),
			childRow("C.0", "l1", "C", "C", 0, "code", "c-0"),
			childRow("C.1", "l1", "C", "C", 1, "code", "c-1"),
		}, nil)
	merge(tx, []schema.Row{row("C", "l1")}, []schema.Row{childRow("C.0", "l1", "C", "C", 0, "code", "c-0'")}, nil)
	if g, w := ids(t, tg.DB, problems.Name), []string{"A.0", "A.1", "B.0"}; !equalStrings(g, w) {
		t.Errorf("before commit, another connection sees %s ids %v, want %v", problems.Name, g, w)
	}
	commit(t, tx, "completed")

	if g, w := ids(t, tg.DB, problems.Name), []string{"A.0", "B.0", "C.0"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v", problems.Name, g, w)
	}
	if g := ids(t, tg.DB, refs.Name); len(g) != 0 {
		t.Errorf("%s ids = %v, want none", refs.Name, g)
	}
	kids := read(t, tg.DB, problems)
	checkRow(t, tg, problems, kids["A.0"], "A.0", "code", "a-0'")
	checkRow(t, tg, problems, kids["C.0"], "C.0", "code", "c-0'")
}

// testRootIndex checks that every child table has its _pipe_root_id
// index once a load ends, also when it was created at a checkpoint, and
// that a load that crashed before its end leaves a table whose merges
// still replace child rows.
func testRootIndex(t *testing.T, tg Target) {
	if tg.HasIndex == nil {
		t.Skip("the target cannot list indexes")
	}
	idx := func(table string) string {
		return sqlload.RootIndexName(table, tg.Dest.(destinations.IdentLimiter).MaxIdentifierLength())
	}
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, issues, problems)
	b := batch("issues", destinations.Merge, rowsOf(issues, row("A", "l1")),
		rowsOf(problems, childRow("A.0", "l1", "A", "A", 0), childRow("A.1", "l1", "A", "A", 1)))
	write(t, tx, b)
	commit(t, tx, "running")
	tx = begin(t, tg.Dest, "l1")
	ensure(t, tx, refs)
	commit(t, tx, "completed")
	for _, tb := range []string{problems.Name, refs.Name} {
		if !tg.HasIndex(t, tb, idx(tb)) {
			t.Errorf("after the load, %s has no index %s", tb, idx(tb))
		}
	}

	// A load that creates a child table and crashes after a checkpoint.
	kids := childTable("issues__kids", "issues", col("n", schema.Bigint))
	tx = begin(t, tg.Dest, "l2")
	ensure(t, tx, issues, kids)
	write(t, tx, batch("issues", destinations.Merge, rowsOf(issues, row("K", "l2")),
		rowsOf(kids, childRow("K.0", "l2", "K", "K", 0), childRow("K.1", "l2", "K", "K", 1))))
	commit(t, tx, "running")
	_ = tx.Rollback()
	tg.Dest.Close()

	d := tg.Reopen(t)
	defer d.Close()
	tx = begin(t, d, "l3")
	ensure(t, tx, issues, kids)
	mb := batch("issues", destinations.Merge, rowsOf(issues, row("K", "l3")), rowsOf(kids, childRow("K.0", "l3", "K", "K", 0)))
	mb.ChildTables = []string{kids.Name}
	write(t, tx, mb)
	commit(t, tx, "completed")
	if g, w := ids(t, tg.DB, kids.Name), []string{"K.0"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v", kids.Name, g, w)
	}
	if !tg.HasIndex(t, kids.Name, idx(kids.Name)) {
		t.Errorf("after a merge by root, %s has no index %s", kids.Name, idx(kids.Name))
	}
}
