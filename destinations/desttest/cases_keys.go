package desttest

import (
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// checkKeyed fails unless table refuses a second row with an existing
// _pipe_id: after a load, every table has its unique key, however the
// destination built it.
func checkKeyed(t *testing.T, tg Target, table, id string) {
	t.Helper()
	_, err := tg.DB.ExecContext(ctx(t), "INSERT INTO "+quote(table)+" ("+quote(schema.ColID)+") VALUES ('"+id+"')")
	if err == nil {
		t.Errorf("%s accepts a second row with _pipe_id %q: no unique key on %s", table, id, schema.ColID)
	}
}

// testAppendWithinLoad appends the same roots again later in the load
// that created the tables, across a checkpoint and in one transaction:
// each record stays as first written, children included (none added
// from a later version: A.1), and the tables end keyed.
func testAppendWithinLoad(t *testing.T, tg Target) {
	appendRows := func(tx destinations.Tx, root []schema.Row, kids []schema.Row) {
		t.Helper()
		b := batch("issues", destinations.Append, rowsOf(issues, root...), rowsOf(problems, kids...))
		b.ChildTables = []string{problems.Name}
		write(t, tx, b)
	}
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, issues, problems)
	appendRows(tx, []schema.Row{row("A", "l1", "title", "a1")}, []schema.Row{childRow("A.0", "l1", "A", "A", 0, "code", "a-0")})
	appendRows(tx, []schema.Row{row("B", "l1", "title", "b1")}, []schema.Row{childRow("B.0", "l1", "B", "B", 0, "code", "b-0")})
	commit(t, tx, "running")
	tx = begin(t, tg.Dest, "l1")
	appendRows(tx, []schema.Row{row("A", "l1", "title", "a2"), row("C", "l1", "title", "c1")},
		[]schema.Row{childRow("A.0", "l1", "A", "A", 0, "code", "a-0'"), childRow("A.1", "l1", "A", "A", 1, "code", "a-1"),
			childRow("C.0", "l1", "C", "C", 0, "code", "c-0")})
	appendRows(tx, []schema.Row{row("C", "l1", "title", "c2")}, []schema.Row{childRow("C.0", "l1", "C", "C", 0, "code", "c-0'")})
	commit(t, tx, "completed")

	got := read(t, tg.DB, issues)
	checkRow(t, tg, issues, got["A"], "A", "title", "a1")
	checkRow(t, tg, issues, got["C"], "C", "title", "c1")
	if g, w := ids(t, tg.DB, problems.Name), []string{"A.0", "B.0", "C.0"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v", problems.Name, g, w)
	}
	kids := read(t, tg.DB, problems)
	checkRow(t, tg, problems, kids["A.0"], "A.0", "code", "a-0")
	checkRow(t, tg, problems, kids["C.0"], "C.0", "code", "c-0")
	checkKeyed(t, tg, issues.Name, "A")
	checkKeyed(t, tg, problems.Name, "A.0")
}

// testKeysAfterCrash loads into new tables, commits a checkpoint and
// crashes; a new process then merges and appends into those tables,
// whose rows stay unique and which end keyed.
func testKeysAfterCrash(t *testing.T, tg Target) {
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, issues, problems)
	b := batch("issues", destinations.Merge, rowsOf(issues, row("A", "l1", "title", "a1"), row("B", "l1", "title", "b1")),
		rowsOf(problems, childRow("A.0", "l1", "A", "A", 0, "code", "a-0"), childRow("A.1", "l1", "A", "A", 1, "code", "a-1")))
	write(t, tx, b)
	commit(t, tx, "running")
	_ = tx.Rollback()
	tg.Dest.Close()

	d := tg.Reopen(t)
	defer d.Close()
	tx = begin(t, d, "l2")
	ensure(t, tx, issues, problems)
	b = batch("issues", destinations.Merge, rowsOf(issues, row("A", "l2", "title", "a2")),
		rowsOf(problems, childRow("A.0", "l2", "A", "A", 0, "code", "a-0'")))
	b.ChildTables = []string{problems.Name}
	write(t, tx, b)
	write(t, tx, batch("issues", destinations.Append, rowsOf(issues, row("B", "l2", "title", "b2"), row("C", "l2", "title", "c2"))))
	commit(t, tx, "completed")

	got := read(t, tg.DB, issues)
	checkRow(t, tg, issues, got["A"], "A", "title", "a2")
	checkRow(t, tg, issues, got["B"], "B", "title", "b1")
	checkRow(t, tg, issues, got["C"], "C", "title", "c2")
	if g, w := ids(t, tg.DB, issues.Name), []string{"A", "B", "C"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v", issues.Name, g, w)
	}
	if g, w := ids(t, tg.DB, problems.Name), []string{"A.0"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v", problems.Name, g, w)
	}
	checkKeyed(t, tg, issues.Name, "A")
	checkKeyed(t, tg, problems.Name, "A.0")
}

// testWidenNewTable widens a column of a table in the load that created
// it, between writes, and reruns the rows: they stay unique.
func testWidenNewTable(t *testing.T, tg Target) {
	v1 := rootTable("nums", col("v", schema.Bigint))
	v2 := retyped(v1, "v", schema.Text)
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, v1)
	write(t, tx, batch("nums", destinations.Merge, rowsOf(v1, row("a", "l1", "v", int64(1)))))
	ensure(t, tx, v2)
	write(t, tx, batch("nums", destinations.Merge, rowsOf(v2, row("a", "l1", "v", "one"), row("b", "l1", "v", "two"))))
	commit(t, tx, "completed")
	got := read(t, tg.DB, v2)
	checkRow(t, tg, v2, got["a"], "a", "v", "one")
	checkRow(t, tg, v2, got["b"], "b", "v", "two")
	if g, w := ids(t, tg.DB, "nums"), []string{"a", "b"}; !equalStrings(g, w) {
		t.Errorf("nums ids = %v, want %v", g, w)
	}
	checkKeyed(t, tg, "nums", "a")
}

// testRepeatInOneTx merges a root into new tables and merges it again in
// the same transaction, with nothing in between: the second batch finds
// the first one's rows, wherever the destination held them.
func testRepeatInOneTx(t *testing.T, tg Target) {
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, issues, problems)
	b := batch("issues", destinations.Merge, rowsOf(issues, row("X", "l1", "title", "x1")),
		rowsOf(problems, childRow("X.0", "l1", "X", "X", 0, "code", "x-0"), childRow("X.1", "l1", "X", "X", 1, "code", "x-1")))
	b.ChildTables = []string{problems.Name}
	write(t, tx, b)
	b = batch("issues", destinations.Merge, rowsOf(issues, row("X", "l1", "title", "x2")),
		rowsOf(problems, childRow("X.0", "l1", "X", "X", 0, "code", "x-0'")))
	b.ChildTables = []string{problems.Name}
	write(t, tx, b)
	commit(t, tx, "completed")
	got := read(t, tg.DB, issues)
	checkRow(t, tg, issues, got["X"], "X", "title", "x2")
	if g, w := ids(t, tg.DB, problems.Name), []string{"X.0"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v", problems.Name, g, w)
	}
	kids := read(t, tg.DB, problems)
	checkRow(t, tg, problems, kids["X.0"], "X.0", "code", "x-0'")
}
