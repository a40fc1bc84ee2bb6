package desttest

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

var (
	issues   = rootTable("issues", col("title", schema.Text))
	problems = childTable("issues__problems", "issues", col("code", schema.Text))
	refs     = childTable("issues__problems__refs", "issues__problems", col("url", schema.Text))
)

// testMerge upserts root rows and replaces the child rows of merged roots,
// including a root whose children all disappear.
func testMerge(t *testing.T, tg Target) {
	merge := func(loadID string, root []schema.Row, kids []schema.Row, grandkids []schema.Row) {
		tx := begin(t, tg.Dest, loadID)
		ensure(t, tx, issues, problems, refs)
		b := batch("issues", destinations.Merge, rowsOf(issues, root...), rowsOf(problems, kids...), rowsOf(refs, grandkids...))
		b.ChildTables = []string{problems.Name, refs.Name}
		write(t, tx, b)
		commit(t, tx, "completed")
	}
	merge("l1",
		[]schema.Row{row("A", "l1", "title", "a1"), row("B", "l1", "title", "b1"), row("C", "l1", "title", "c1")},
		[]schema.Row{
			childRow("A.0", "l1", "A", "A", 0, "code", "a-0"),
			childRow("A.1", "l1", "A", "A", 1, "code", "a-1"),
			childRow("B.0", "l1", "B", "B", 0, "code", "b-0"),
			childRow("C.0", "l1", "C", "C", 0, "code", "c-0"),
		},
		[]schema.Row{childRow("A.0.0", "l1", "A.0", "A", 0, "url", "u")})
	merge("l2",
		[]schema.Row{
			row("A", "l2", "title", "stale"),
			row("B", "l2", "title", "b2"),
			row("A", "l2", "title", "a2"), // the last of duplicates wins
		},
		[]schema.Row{childRow("A.0", "l2", "A", "A", 0, "code", "a-new")},
		nil)

	got := read(t, tg.DB, issues)
	checkRow(t, tg, issues, got["A"], "A", "title", "a2", schema.ColLoadID, "l2")
	checkRow(t, tg, issues, got["B"], "B", "title", "b2")
	checkRow(t, tg, issues, got["C"], "C", "title", "c1", schema.ColLoadID, "l1")
	if g, w := ids(t, tg.DB, problems.Name), []string{"A.0", "C.0"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v", problems.Name, g, w)
	}
	kids := read(t, tg.DB, problems)
	checkRow(t, tg, problems, kids["A.0"], "A.0", "code", "a-new", schema.ColLoadID, "l2")
	if g := ids(t, tg.DB, refs.Name); len(g) != 0 {
		t.Errorf("%s ids = %v, want none", refs.Name, g)
	}
	for _, tb := range []*schema.Table{problems, refs} {
		if recorded, _ := tableSchema(t, tg.Dest, tb.Name); recorded.Parent != tb.Parent {
			t.Errorf("Tables: %s parent = %q, want %q", tb.Name, recorded.Parent, tb.Parent)
		}
	}
}

// testAppendIdempotent reruns an append load: rows whose _pipe_id exists
// are left as they are.
func testAppendIdempotent(t *testing.T, tg Target) {
	appendLoad := func(loadID string, root []schema.Row, kids []schema.Row) {
		tx := begin(t, tg.Dest, loadID)
		ensure(t, tx, issues, problems)
		write(t, tx, batch("issues", destinations.Append, rowsOf(issues, root...), rowsOf(problems, kids...)))
		commit(t, tx, "completed")
	}
	appendLoad("l1",
		[]schema.Row{row("1", "l1", "title", "one"), row("2", "l1", "title", "two"), row("1", "l1", "title", "dup")},
		[]schema.Row{childRow("1.0", "l1", "1", "1", 0, "code", "x")})
	appendLoad("l2",
		[]schema.Row{row("1", "l2", "title", "changed"), row("2", "l2", "title", "two"), row("3", "l2", "title", "three")},
		[]schema.Row{childRow("1.0", "l2", "1", "1", 0, "code", "y")})

	if g, w := ids(t, tg.DB, issues.Name), []string{"1", "2", "3"}; !equalStrings(g, w) {
		t.Fatalf("ids = %v, want %v", g, w)
	}
	got := read(t, tg.DB, issues)
	checkRow(t, tg, issues, got["1"], "1", "title", "one", schema.ColLoadID, "l1")
	checkRow(t, tg, issues, got["3"], "3", "title", "three", schema.ColLoadID, "l2")
	kids := read(t, tg.DB, problems)
	if len(kids) != 1 {
		t.Errorf("%d child rows, want 1", len(kids))
	}
	checkRow(t, tg, problems, kids["1.0"], "1.0", "code", "x")
}

// replaceLoad writes root rows (and child rows) under replace and
// finishes the replace of issues and its child tables.
func replaceLoad(t *testing.T, d destinations.Destination, loadID string, root, kids []schema.Row) {
	t.Helper()
	tx := begin(t, d, loadID)
	ensure(t, tx, issues, problems)
	write(t, tx, batch("issues", destinations.Replace, rowsOf(issues, root...), rowsOf(problems, kids...)))
	if err := tx.FinishReplace(ctx(t), []string{issues.Name, problems.Name}); err != nil {
		t.Fatalf("finish replace: %v", err)
	}
	commit(t, tx, "completed")
}

// testReplaceAgainInLoad replaces a table whose load meets root A three
// times, across a checkpoint and within one transaction, each time with
// other child rows: A keeps the child rows of its last version only, none
// of an earlier one beside them, and B, met once, keeps its own.
func testReplaceAgainInLoad(t *testing.T, tg Target) {
	replace := func(tx destinations.Tx, root []schema.Row, kids ...schema.Row) {
		t.Helper()
		b := batch("issues", destinations.Replace, rowsOf(issues, root...), rowsOf(problems, kids...))
		b.ChildTables = []string{problems.Name}
		write(t, tx, b)
	}
	replaceLoad(t, tg.Dest, "l1", []schema.Row{row("A", "l1")}, []schema.Row{childRow("A.0", "l1", "A", "A", 0, "code", "old")})
	tx := begin(t, tg.Dest, "l2")
	ensure(t, tx, issues, problems)
	replace(tx, []schema.Row{row("A", "l2"), row("B", "l2")},
		childRow("A.0", "l2", "A", "A", 0, "code", "a-0"), childRow("A.1", "l2", "A", "A", 1, "code", "a-1"),
		childRow("A.2", "l2", "A", "A", 2, "code", "a-2"), childRow("B.0", "l2", "B", "B", 0, "code", "b-0"))
	commit(t, tx, "running")
	tx = begin(t, tg.Dest, "l2")
	ensure(t, tx, issues, problems)
	replace(tx, []schema.Row{row("A", "l2")}, childRow("A.0", "l2", "A", "A", 0, "code", "a-0'"), childRow("A.1", "l2", "A", "A", 1, "code", "a-1'"))
	replace(tx, []schema.Row{row("A", "l2")}, childRow("A.0", "l2", "A", "A", 0, "code", "a-0''"))
	if err := tx.FinishReplace(ctx(t), []string{issues.Name, problems.Name}); err != nil {
		t.Fatalf("finish replace: %v", err)
	}
	commit(t, tx, "completed")
	if g, w := ids(t, tg.DB, problems.Name), []string{"A.0", "B.0"}; !equalStrings(g, w) {
		t.Errorf("%s ids = %v, want %v", problems.Name, g, w)
	}
	kids := read(t, tg.DB, problems)
	checkRow(t, tg, problems, kids["A.0"], "A.0", "code", "a-0''", schema.ColRootID, "A")
	checkRow(t, tg, problems, kids["B.0"], "B.0", "code", "b-0", schema.ColRootID, "B")
}

// testReplaceAtomic checks that a replace spanning a checkpoint is
// invisible to another connection until its final commit, and that after
// it only the new rows remain, child tables with no new rows emptied.
func testReplaceAtomic(t *testing.T, tg Target) {
	replaceLoad(t, tg.Dest, "l1",
		[]schema.Row{row("1", "l1"), row("2", "l1"), row("3", "l1")},
		[]schema.Row{childRow("1.0", "l1", "1", "1", 0)})
	old := []string{"1", "2", "3"}

	tx := begin(t, tg.Dest, "l2")
	ensure(t, tx, issues, problems)
	write(t, tx, batch("issues", destinations.Replace, rowsOf(issues, row("4", "l2"))))
	commit(t, tx, "running") // a checkpoint: the staging table is committed

	if g := ids(t, tg.DB, issues.Name); !equalStrings(g, old) {
		t.Fatalf("after checkpoint, reader sees %v, want %v", g, old)
	}
	tx = begin(t, tg.Dest, "l2")
	write(t, tx, batch("issues", destinations.Replace, rowsOf(issues, row("5", "l2"))))
	if g := ids(t, tg.DB, issues.Name); !equalStrings(g, old) {
		t.Fatalf("before swap, reader sees %v, want %v", g, old)
	}
	if err := tx.FinishReplace(ctx(t), []string{issues.Name, problems.Name, "never_created"}); err != nil {
		t.Fatalf("finish replace: %v", err)
	}
	// A reader during the uncommitted swap sees the old rows, or waits
	// for the commit and sees the new ones (Postgres locks the swapped
	// table); never a mix.
	seen := make(chan []string, 1)
	failed := make(chan error, 1)
	go func() {
		rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var out []string
		if err := tg.DB.SelectContext(rctx, &out, "SELECT "+quote(schema.ColID)+" FROM "+quote(issues.Name)); err != nil {
			failed <- err
			return
		}
		seen <- out
	}()
	select {
	case got := <-seen:
		if !equalSorted(got, old) {
			t.Errorf("reader during swap saw %v, want %v", got, old)
		}
		commit(t, tx, "completed")
	case err := <-failed:
		t.Fatalf("reader during swap: %v", err)
	case <-time.After(200 * time.Millisecond):
		// Blocked by the swap's lock: commit releases it.
		commit(t, tx, "completed")
		select {
		case got := <-seen:
			if !equalSorted(got, []string{"4", "5"}) && !equalSorted(got, old) {
				t.Errorf("reader during swap saw %v, want old or new rows", got)
			}
		case err := <-failed:
			t.Fatalf("reader during swap: %v", err)
		}
	}
	if g, w := ids(t, tg.DB, issues.Name), []string{"4", "5"}; !equalStrings(g, w) {
		t.Errorf("after commit, ids = %v, want %v", g, w)
	}
	if n := count(t, tg.DB, problems.Name); n != 0 {
		t.Errorf("%s has %d rows, want 0", problems.Name, n)
	}
	if tableExists(t, tg.DB, issues.Name+"__pipe_staging") {
		t.Errorf("staging table left after the swap")
	}
	// The swapped-in tables work as before: a further replace.
	replaceLoad(t, tg.Dest, "l3", []schema.Row{row("6", "l3")}, []schema.Row{childRow("6.0", "l3", "6", "6", 0)})
	if g, w := ids(t, tg.DB, problems.Name), []string{"6.0"}; !equalStrings(g, w) {
		t.Errorf("after third load, child ids = %v, want %v", g, w)
	}
}

// testReplaceLeftoverStaging crashes a replace after a checkpoint; the
// next load, in a new process, drops the leftover staging rows.
func testReplaceLeftoverStaging(t *testing.T, tg Target) {
	replaceLoad(t, tg.Dest, "l1", []schema.Row{row("1", "l1")}, nil)
	tx := begin(t, tg.Dest, "l2")
	ensure(t, tx, issues, problems)
	write(t, tx, batch("issues", destinations.Replace, rowsOf(issues, row("2", "l2"))))
	commit(t, tx, "running")
	tg.Dest.Close() // the crash

	d := tg.Reopen(t)
	defer d.Close()
	replaceLoad(t, d, "l3", []schema.Row{row("3", "l3")}, nil)
	if g, w := ids(t, tg.DB, issues.Name), []string{"3"}; !equalStrings(g, w) {
		t.Errorf("ids = %v, want %v", g, w)
	}
}

// testReplaceEvolvesStaging adds a column, then widens it, in the middle of
// a replace that spans a checkpoint: the staging table follows.
func testReplaceEvolvesStaging(t *testing.T, tg Target) {
	v2 := with(issues, col("sev", schema.Bigint))
	replaceLoad(t, tg.Dest, "l1", []schema.Row{row("0", "l1", "title", "old")}, nil)
	tx := begin(t, tg.Dest, "l2")
	ensure(t, tx, issues)
	write(t, tx, batch("issues", destinations.Replace, rowsOf(issues, row("1", "l2", "title", "t1"))))
	ensure(t, tx, v2)
	write(t, tx, batch("issues", destinations.Replace, rowsOf(v2, row("2", "l2", "title", "t2", "sev", int64(3)))))
	commit(t, tx, "running")

	v3 := retyped(v2, "sev", schema.Text)
	tx = begin(t, tg.Dest, "l2")
	ensure(t, tx, v3)
	write(t, tx, batch("issues", destinations.Replace, rowsOf(v3, row("3", "l2", "title", "t3", "sev", "high"))))
	if err := tx.FinishReplace(ctx(t), []string{issues.Name}); err != nil {
		t.Fatalf("finish replace: %v", err)
	}
	commit(t, tx, "completed")
	got := read(t, tg.DB, v3)
	if len(got) != 3 {
		t.Errorf("%d rows, want 3", len(got))
	}
	checkRow(t, tg, v3, got["1"], "1", "title", "t1", "sev", nil)
	checkRow(t, tg, v3, got["2"], "2", "title", "t2", "sev", "3")
	checkRow(t, tg, v3, got["3"], "3", "title", "t3", "sev", "high")
}

func equalSorted(a, b []string) bool {
	a = append([]string(nil), a...)
	sort.Strings(a)
	return equalStrings(a, b)
}
