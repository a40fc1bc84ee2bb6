package desttest

import (
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// rowCounts returns what tx's writes did per table; a destination under
// test must count (destinations.RowCounter).
func rowCounts(t *testing.T, tx destinations.Tx) map[string]destinations.RowCounts {
	t.Helper()
	c, ok := tx.(destinations.RowCounter)
	if !ok {
		t.Fatalf("Tx %T does not count rows (destinations.RowCounter)", tx)
	}
	return c.RowCounts()
}

func checkCounts(t *testing.T, step string, got, want map[string]destinations.RowCounts) {
	t.Helper()
	for table, w := range want {
		if g := got[table]; g != w {
			t.Errorf("%s: %s counts %+v, want %+v", step, table, g, w)
		}
	}
	for table, g := range got {
		if _, ok := want[table]; !ok && g != (destinations.RowCounts{}) {
			t.Errorf("%s: %s counts %+v, want none", step, table, g)
		}
	}
}

// testCountsMerge merges the same records three times: the first load
// inserts every row; a rerun with nothing changed finds every row
// unchanged and leaves each with the load id that wrote it; a load in
// which one record changed, lost a child row (and its grandchild), and
// one record is new counts the changed rows updated, the removed rows
// deleted (DELETE's own count: the row a list no longer has in the
// child table, and its rows below it in the grandchild table, which the
// batch has none of), and the rest unchanged. A root merged again,
// unchanged, later in the same load counts as unchanged again.
func testCountsMerge(t *testing.T, tg Target) {
	merge := func(tx destinations.Tx, root []schema.Row, kids []schema.Row, grandkids []schema.Row) {
		t.Helper()
		b := batch("issues", destinations.Merge, rowsOf(issues, root...), rowsOf(problems, kids...), rowsOf(refs, grandkids...))
		b.ChildTables = []string{problems.Name, refs.Name}
		write(t, tx, b)
	}
	records := func(l string) ([]schema.Row, []schema.Row, []schema.Row) {
		return []schema.Row{row("A", l, "title", "a"), row("B", l, "title", "b")},
			[]schema.Row{
				childRow("A.0", l, "A", "A", 0, "code", "a-0"),
				childRow("A.1", l, "A", "A", 1, "code", "a-1"),
				childRow("B.0", l, "B", "B", 0, "code", "b-0"),
			},
			[]schema.Row{childRow("A.1.0", l, "A.1", "A", 0, "url", "u")}
	}

	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, issues, problems, refs)
	r, k, g := records("l1")
	merge(tx, r, k, g)
	checkCounts(t, "first load", rowCounts(t, tx), map[string]destinations.RowCounts{
		issues.Name: {Inserted: 2}, problems.Name: {Inserted: 3}, refs.Name: {Inserted: 1},
	})
	commit(t, tx, "completed")

	tx = begin(t, tg.Dest, "l2")
	ensure(t, tx, issues, problems, refs)
	r, k, g = records("l2")
	merge(tx, r, k, g)
	checkCounts(t, "rerun unchanged", rowCounts(t, tx), map[string]destinations.RowCounts{
		issues.Name: {Unchanged: 2}, problems.Name: {Unchanged: 3}, refs.Name: {Unchanged: 1},
	})
	commit(t, tx, "completed")
	for _, table := range []*schema.Table{issues, problems, refs} {
		for id, r := range read(t, tg.DB, table) {
			checkRow(t, tg, table, r, id, schema.ColLoadID, "l1")
		}
	}

	tx = begin(t, tg.Dest, "l3")
	ensure(t, tx, issues, problems, refs)
	merge(tx, []schema.Row{row("A", "l3", "title", "a'"), row("B", "l3", "title", "b"), row("C", "l3", "title", "c")},
		[]schema.Row{
			childRow("A.0", "l3", "A", "A", 0, "code", "a-0'"),
			childRow("B.0", "l3", "B", "B", 0, "code", "b-0"),
			childRow("C.0", "l3", "C", "C", 0, "code", "c-0"),
		}, nil)
	merge(tx, []schema.Row{row("B", "l3", "title", "b")}, []schema.Row{childRow("B.0", "l3", "B", "B", 0, "code", "b-0")}, nil)
	checkCounts(t, "one record changed, one new", rowCounts(t, tx), map[string]destinations.RowCounts{
		issues.Name:   {Inserted: 1, Updated: 1, Unchanged: 2},
		problems.Name: {Inserted: 1, Updated: 1, Unchanged: 2, Deleted: 1},
		refs.Name:     {Deleted: 1},
	})
	commit(t, tx, "completed")

	if g, w := ids(t, tg.DB, problems.Name), []string{"A.0", "B.0", "C.0"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v", problems.Name, g, w)
	}
	if g := ids(t, tg.DB, refs.Name); len(g) != 0 {
		t.Errorf("%s ids = %v, want none", refs.Name, g)
	}
	roots := read(t, tg.DB, issues)
	checkRow(t, tg, issues, roots["A"], "A", "title", "a'", schema.ColLoadID, "l3")
	checkRow(t, tg, issues, roots["B"], "B", "title", "b", schema.ColLoadID, "l1")
	checkRow(t, tg, issues, roots["C"], "C", "title", "c", schema.ColLoadID, "l3")
	kids := read(t, tg.DB, problems)
	checkRow(t, tg, problems, kids["A.0"], "A.0", "code", "a-0'", schema.ColLoadID, "l3")
	checkRow(t, tg, problems, kids["B.0"], "B.0", "code", "b-0", schema.ColLoadID, "l1")
}

// testCountsAppend appends records twice: the second time the rows whose
// _pipe_id exists are skipped and counted unchanged, also when a value
// differs (append never overwrites), and a repeated id in one batch
// counts once as written and once as unchanged.
func testCountsAppend(t *testing.T, tg Target) {
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, issues)
	write(t, tx, batch("issues", destinations.Append, rowsOf(issues, row("A", "l1", "title", "a"), row("B", "l1", "title", "b"))))
	checkCounts(t, "first load", rowCounts(t, tx), map[string]destinations.RowCounts{issues.Name: {Inserted: 2}})
	commit(t, tx, "completed")

	tx = begin(t, tg.Dest, "l2")
	ensure(t, tx, issues)
	write(t, tx, batch("issues", destinations.Append, rowsOf(issues,
		row("A", "l2", "title", "a'"), row("B", "l2", "title", "b"), row("C", "l2", "title", "c"), row("C", "l2", "title", "c'"))))
	checkCounts(t, "rerun", rowCounts(t, tx), map[string]destinations.RowCounts{issues.Name: {Inserted: 1, Unchanged: 3}})
	commit(t, tx, "completed")
	roots := read(t, tg.DB, issues)
	checkRow(t, tg, issues, roots["A"], "A", "title", "a", schema.ColLoadID, "l1")
	checkRow(t, tg, issues, roots["C"], "C", "title", "c", schema.ColLoadID, "l2")
}
