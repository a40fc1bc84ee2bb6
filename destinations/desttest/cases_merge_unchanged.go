package desttest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// The tables of a merged resource whose root rows carry the record's
// fingerprint (_pipe_hash), as the engine makes them.
var (
	hissues   = with(rootTable("hissues", col("title", schema.Text)), col(schema.ColHash, schema.Text))
	hproblems = childTable("hissues__problems", "hissues", col("code", schema.Text))
	hrefs     = childTable("hissues__problems__refs", "hissues__problems", col("url", schema.Text))
)

// hrecord is one record's rows: its root row with fingerprint hash, and
// its child and grandchild rows.
type hrecord struct {
	root        schema.Row
	kids, grand []schema.Row
}

// hrec returns the rows of record id written by load l: title, the
// codes of its child rows (id.0, id.1, …) and, when url is not "", a
// grandchild row under id.0.
func hrec(id, l, hash, title, url string, codes ...string) hrecord {
	r := hrecord{root: row(id, l, "title", title, schema.ColHash, hash)}
	for i, c := range codes {
		r.kids = append(r.kids, childRow(fmt.Sprintf("%s.%d", id, i), l, id, id, int64(i), "code", c))
	}
	if url != "" {
		r.grand = append(r.grand, childRow(id+".0.0", l, id+".0", id, 0, "url", url))
	}
	return r
}

// hmerge writes recs as one merge batch.
func hmerge(t *testing.T, tx destinations.Tx, recs ...hrecord) {
	t.Helper()
	var root, kids, grand []schema.Row
	for _, r := range recs {
		root = append(root, r.root)
		kids = append(kids, r.kids...)
		grand = append(grand, r.grand...)
	}
	b := batch("hissues", destinations.Merge, rowsOf(hissues, root...), rowsOf(hproblems, kids...), rowsOf(hrefs, grand...))
	b.ChildTables = []string{hproblems.Name, hrefs.Name}
	write(t, tx, b)
}

// hload runs one load l that merges each batch of recs, checks its counts
// against want and commits.
func hload(t *testing.T, tg Target, l string, want map[string]destinations.RowCounts, batches ...[]hrecord) {
	t.Helper()
	tx := begin(t, tg.Dest, l)
	ensure(t, tx, hissues, hproblems, hrefs)
	for _, recs := range batches {
		hmerge(t, tx, recs...)
	}
	if want != nil {
		checkCounts(t, "load "+l, rowCounts(t, tx), want)
	}
	commit(t, tx, "completed")
}

// plant inserts a child row of root behind the destination's back: a
// merge that reads root's child rows deletes it (the batch lacks it); a
// merge that leaves root out as unchanged does not read them and keeps
// it. It tells the two paths apart.
func plant(t *testing.T, tg Target, root string) string {
	t.Helper()
	id := root + ".planted"
	q := fmt.Sprintf("INSERT INTO %s (%s, %s, %s, %s, %s) VALUES ('%s', 'lx', '%s', '%s', 99)", quote(hproblems.Name),
		quote(schema.ColID), quote(schema.ColLoadID), quote(schema.ColParentID), quote(schema.ColRootID), quote(schema.ColListIdx),
		id, root, root)
	if _, err := tg.DB.ExecContext(ctx(t), q); err != nil {
		t.Fatalf("plant %s: %v", id, err)
	}
	return id
}

// planted reports whether the planted child row of root is there.
func planted(t *testing.T, tg Target, root string) bool {
	t.Helper()
	for _, id := range ids(t, tg.DB, hproblems.Name) {
		if id == root+".planted" {
			return true
		}
	}
	return false
}

// versions returns, on Postgres, each row's xmin (the transaction that
// wrote its current version) by _pipe_id; nil elsewhere.
func versions(t *testing.T, tg Target, table string) map[string]string {
	t.Helper()
	if tg.DB.DriverName() == "sqlite3" || tg.DB.DriverName() == "sqlite" {
		return nil
	}
	var rows []struct {
		ID   string `db:"id"`
		Xmin string `db:"xmin"`
	}
	q := fmt.Sprintf("SELECT %s AS id, xmin::text AS xmin FROM %s", quote(schema.ColID), quote(table))
	if err := tg.DB.SelectContext(ctx(t), &rows, q); err != nil {
		return nil // not Postgres
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.ID] = r.Xmin
	}
	return out
}

func checkTable(t *testing.T, tg Target, table *schema.Table, wantIDs ...string) map[string]map[string]any {
	t.Helper()
	if g := ids(t, tg.DB, table.Name); !equalStrings(g, wantIDs) {
		t.Errorf("%s ids = %v, want %v", table.Name, g, wantIDs)
	}
	return read(t, tg.DB, table)
}

// testMergeUnchanged merges the same records again (and one of them a
// second time in the same load): every root's stored
// fingerprint equals the batch's, so the load writes nothing, counts
// every row unchanged, leaves every row with the load id and (Postgres)
// the row version that wrote it, and reads no child rows (a planted
// child row survives).
func testMergeUnchanged(t *testing.T, tg Target) {
	recs := func(l string) []hrecord {
		return []hrecord{hrec("A", l, "ha", "a", "u", "a-0", "a-1"), hrec("B", l, "hb", "b", "", "b-0")}
	}
	hload(t, tg, "l1", map[string]destinations.RowCounts{
		hissues.Name: {Inserted: 2}, hproblems.Name: {Inserted: 3}, hrefs.Name: {Inserted: 1},
	}, recs("l1"))
	p := plant(t, tg, "A")
	before := map[string]map[string]string{}
	for _, tb := range []*schema.Table{hissues, hproblems, hrefs} {
		before[tb.Name] = versions(t, tg, tb.Name)
	}
	hload(t, tg, "l2", map[string]destinations.RowCounts{
		hissues.Name: {Unchanged: 3}, hproblems.Name: {Unchanged: 5}, hrefs.Name: {Unchanged: 2},
	}, recs("l2"), recs("l2")[:1]) // A again in a second batch

	for _, tb := range []*schema.Table{hissues, hproblems, hrefs} {
		for id, r := range read(t, tg.DB, tb) {
			if id != p {
				checkRow(t, tg, tb, r, id, schema.ColLoadID, "l1")
			}
		}
		if after := versions(t, tg, tb.Name); fmt.Sprint(after) != fmt.Sprint(before[tb.Name]) {
			t.Errorf("%s: row versions %v, then %v: rows were written", tb.Name, before[tb.Name], after)
		}
	}
	if !planted(t, tg, "A") {
		t.Error("the rerun read A's child rows (the planted one is gone): an unchanged root must be left out")
	}
}

// testMergeOneChanged merges three records again, one of which changed
// (fingerprint, title and a child's code): its rows take the full path
// (the planted row under it goes, its rows get the new load id), the
// others are left out.
func testMergeOneChanged(t *testing.T, tg Target) {
	hload(t, tg, "l1", nil, []hrecord{
		hrec("A", "l1", "ha", "a", "u", "a-0"), hrec("B", "l1", "hb", "b", "v", "b-0", "b-1"), hrec("C", "l1", "hc", "c", "", "c-0"),
	})
	plant(t, tg, "A")
	plant(t, tg, "B")
	hload(t, tg, "l2", map[string]destinations.RowCounts{
		hissues.Name:   {Updated: 1, Unchanged: 2},
		hproblems.Name: {Updated: 1, Unchanged: 3, Deleted: 1},
		hrefs.Name:     {Unchanged: 2},
	}, []hrecord{
		hrec("A", "l2", "ha", "a", "u", "a-0"), hrec("B", "l2", "hb2", "b'", "v", "b-0", "b-1'"), hrec("C", "l2", "hc", "c", "", "c-0"),
	})
	if !planted(t, tg, "A") || planted(t, tg, "B") {
		t.Errorf("planted rows: A %v (want kept: unchanged), B %v (want deleted: changed)", planted(t, tg, "A"), planted(t, tg, "B"))
	}
	roots := checkTable(t, tg, hissues, "A", "B", "C")
	checkRow(t, tg, hissues, roots["A"], "A", "title", "a", schema.ColHash, "ha", schema.ColLoadID, "l1")
	checkRow(t, tg, hissues, roots["B"], "B", "title", "b'", schema.ColHash, "hb2", schema.ColLoadID, "l2")
	kids := checkTable(t, tg, hproblems, "A.0", "A.planted", "B.0", "B.1", "C.0")
	checkRow(t, tg, hproblems, kids["B.0"], "B.0", "code", "b-0", schema.ColLoadID, "l1")
	checkRow(t, tg, hproblems, kids["B.1"], "B.1", "code", "b-1'", schema.ColLoadID, "l2")
}

// testMergeChildListChanged: a record that lost a child row (and the
// grandchild under it) and gained none changes its fingerprint; the
// rows it lost are deleted, exactly.
func testMergeChildListChanged(t *testing.T, tg Target) {
	hload(t, tg, "l1", nil, []hrecord{hrec("A", "l1", "ha", "a", "u", "a-0", "a-1"), hrec("B", "l1", "hb", "b", "w", "b-0")})
	hload(t, tg, "l2", map[string]destinations.RowCounts{
		hissues.Name:   {Updated: 1, Unchanged: 1},
		hproblems.Name: {Unchanged: 2, Deleted: 1},
		hrefs.Name:     {Unchanged: 1, Deleted: 1},
	}, []hrecord{hrec("A", "l2", "ha2", "a", "", "a-0"), hrec("B", "l2", "hb", "b", "w", "b-0")})
	checkTable(t, tg, hproblems, "A.0", "B.0")
	checkTable(t, tg, hrefs, "B.0.0")
}

// testMergeSettingsChanged: the same records under changed settings
// (hints, steps: every fingerprint differs) take the full path, which
// stores the new fingerprints; the load after that leaves them out.
func testMergeSettingsChanged(t *testing.T, tg Target) {
	recs := func(l, suffix string) []hrecord {
		return []hrecord{hrec("A", l, "ha"+suffix, "a", "u", "a-0"), hrec("B", l, "hb"+suffix, "b", "", "b-0")}
	}
	hload(t, tg, "l1", nil, recs("l1", ""))
	plant(t, tg, "A")
	hload(t, tg, "l2", map[string]destinations.RowCounts{
		hissues.Name: {Updated: 2}, hproblems.Name: {Unchanged: 2, Deleted: 1}, hrefs.Name: {Unchanged: 1},
	}, recs("l2", "'"))
	if planted(t, tg, "A") {
		t.Error("new settings: A's child rows were not read (the planted one stayed)")
	}
	roots := checkTable(t, tg, hissues, "A", "B")
	checkRow(t, tg, hissues, roots["A"], "A", schema.ColHash, "ha'", schema.ColLoadID, "l2")
	plant(t, tg, "A")
	hload(t, tg, "l3", map[string]destinations.RowCounts{
		hissues.Name: {Unchanged: 2}, hproblems.Name: {Unchanged: 2}, hrefs.Name: {Unchanged: 1},
	}, recs("l3", "'"))
	if !planted(t, tg, "A") {
		t.Error("unchanged under the new settings: A was not left out")
	}
}

// testMergeWithinLoadChanges merges one root several times in one load:
// changed, then changed back, within one transaction and in one batch;
// each time the stored fingerprint is the one written last, so the rows
// end up as the last record has them.
func testMergeWithinLoadChanges(t *testing.T, tg Target) {
	hload(t, tg, "l1", nil, []hrecord{hrec("A", "l1", "h1", "a", "u", "a-0", "a-1")})
	hload(t, tg, "l2", nil,
		[]hrecord{hrec("A", "l2", "h2", "a2", "", "x-0")},        // changed: one child, no grandchild
		[]hrecord{hrec("A", "l2", "h1", "a", "u", "a-0", "a-1")}, // changed back
		[]hrecord{hrec("A", "l2", "h1", "a", "u", "a-0", "a-1")}, // unchanged since the batch before
		[]hrecord{hrec("A", "l2", "h1", "a", "u", "a-0", "a-1"), // repeated in one batch, the last changed
			hrec("A", "l2", "h3", "a3", "u", "a-0", "a-1")},
	)
	roots := checkTable(t, tg, hissues, "A")
	checkRow(t, tg, hissues, roots["A"], "A", "title", "a3", schema.ColHash, "h3")
	kids := checkTable(t, tg, hproblems, "A.0", "A.1")
	checkRow(t, tg, hproblems, kids["A.0"], "A.0", "code", "a-0")
	checkTable(t, tg, hrefs, "A.0.0")
}

// testMergeHashUpgrade: a table written before _pipe_hash existed gets
// the column (NULL in its rows); the first merge takes the full path and
// fills it, the next leaves the unchanged records out.
func testMergeHashUpgrade(t *testing.T, tg Target) {
	old := rootTable("hissues", col("title", schema.Text))
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, old, hproblems, hrefs)
	b := batch("hissues", destinations.Merge, rowsOf(old, row("A", "l1", "title", "a"), row("B", "l1", "title", "b")),
		rowsOf(hproblems, childRow("A.0", "l1", "A", "A", 0, "code", "a-0")))
	b.ChildTables = []string{hproblems.Name, hrefs.Name}
	write(t, tx, b)
	commit(t, tx, "completed")

	plant(t, tg, "A")
	recs := func(l string) []hrecord {
		return []hrecord{hrec("A", l, "ha", "a", "", "a-0"), hrec("B", l, "hb", "b", "")}
	}
	hload(t, tg, "l2", map[string]destinations.RowCounts{
		hissues.Name: {Updated: 2}, hproblems.Name: {Unchanged: 1, Deleted: 1},
	}, recs("l2"))
	if planted(t, tg, "A") {
		t.Error("first merge after the upgrade: A's child rows were not read")
	}
	tb, _ := tableSchema(t, tg.Dest, hissues.Name)
	if _, ok := tb.Column(schema.ColHash); !ok {
		t.Fatalf("%s has no %s after the upgrade: %v", hissues.Name, schema.ColHash, tb.Columns)
	}
	roots := checkTable(t, tg, hissues, "A", "B")
	checkRow(t, tg, hissues, roots["A"], "A", schema.ColHash, "ha", "title", "a")
	checkRow(t, tg, hissues, roots["B"], "B", schema.ColHash, "hb")
	plant(t, tg, "A")
	hload(t, tg, "l3", map[string]destinations.RowCounts{
		hissues.Name: {Unchanged: 2}, hproblems.Name: {Unchanged: 1},
	}, recs("l3"))
	if !planted(t, tg, "A") {
		t.Error("second merge after the upgrade: A was not left out")
	}
}

// testAppendAfterMerge: an append into tables a merge wrote leaves a
// stored record as it is, its child rows included (none added to it, all
// counted unchanged), so its fingerprint still describes its rows and
// the next merge of the record as stored leaves it out.
func testAppendAfterMerge(t *testing.T, tg Target) {
	recs := func(l string) []hrecord { return []hrecord{hrec("A", l, "ha", "a", "", "a-0")} }
	hload(t, tg, "l1", nil, recs("l1"))
	tx := begin(t, tg.Dest, "l2")
	ensure(t, tx, hissues, hproblems, hrefs)
	more := hrec("A", "l2", "ha2", "a", "", "a-0", "a-1")
	write(t, tx, batch("hissues", destinations.Append, rowsOf(hissues, more.root), rowsOf(hproblems, more.kids...)))
	checkCounts(t, "append", rowCounts(t, tx), map[string]destinations.RowCounts{hissues.Name: {Unchanged: 1}, hproblems.Name: {Unchanged: 2}})
	commit(t, tx, "completed")
	checkTable(t, tg, hproblems, "A.0")
	p := plant(t, tg, "A")
	hload(t, tg, "l3", nil, recs("l3"))
	checkTable(t, tg, hproblems, "A.0", p)
}

// fingerprint returns a _pipe_hash as the engine writes it: a content
// part and a shape part (the ids of the record's child rows) of 32
// characters each, then a children part of 16 characters for each child
// table the record has rows in, in the order of the tables' names (what
// decides its rows there beyond their ids); pipe before the children
// parts wrote the first two only.
func fingerprint(content, shape string, children ...string) string {
	pad := func(s string, n int) string { return s + strings.Repeat("0", n-len(s)) }
	h := pad(content, 32) + pad(shape, 32)
	for _, c := range children {
		h += pad(c, 16)
	}
	return h
}

// testMergeSameShape: a record whose content changed but whose child
// rows have the ids stored (the shape half of its fingerprint is the
// stored one) is merged without reading its child ids — a planted child
// row stays — and its counts are exact: its child rows exist, none is
// stale. A record whose shape changed takes the full path.
func testMergeSameShape(t *testing.T, tg Target) {
	hload(t, tg, "l1", nil, []hrecord{
		hrec("A", "l1", fingerprint("a1", "s2", "p1", "r1"), "a", "u", "a-0", "a-1"),
		hrec("B", "l1", fingerprint("b1", "s1", "p1"), "b", "", "b-0"),
	})
	plant(t, tg, "A")
	plant(t, tg, "B")
	hload(t, tg, "l2", map[string]destinations.RowCounts{
		hissues.Name:   {Updated: 2},
		hproblems.Name: {Updated: 2, Unchanged: 1, Inserted: 1, Deleted: 1},
		hrefs.Name:     {Unchanged: 1},
	}, []hrecord{
		hrec("A", "l2", fingerprint("a2", "s2", "p2", "r1"), "a'", "u", "a-0", "a-1'"),
		hrec("B", "l2", fingerprint("b2", "s2", "p2"), "b", "", "b-0'", "b-1"),
	})
	if !planted(t, tg, "A") || planted(t, tg, "B") {
		t.Errorf("planted rows: A %v (want kept: same shape), B %v (want deleted: shape changed)", planted(t, tg, "A"), planted(t, tg, "B"))
	}
	roots := checkTable(t, tg, hissues, "A", "B")
	checkRow(t, tg, hissues, roots["A"], "A", "title", "a'", schema.ColHash, fingerprint("a2", "s2", "p2", "r1"))
	kids := checkTable(t, tg, hproblems, "A.0", "A.1", "A.planted", "B.0", "B.1")
	checkRow(t, tg, hproblems, kids["A.0"], "A.0", "code", "a-0", schema.ColLoadID, "l1")
	checkRow(t, tg, hproblems, kids["A.1"], "A.1", "code", "a-1'", schema.ColLoadID, "l2")
	checkRow(t, tg, hproblems, kids["B.0"], "B.0", "code", "b-0'")
}

// testMergeChildTablesUnchanged: a record whose content changed but whose
// child rows have the ids stored (its shape part is the stored one) has
// its rows in each child table whose children part is the stored one
// left out: neither read nor written (the batch's rows there, which here
// differ from the stored ones to show it, are not written), counted
// unchanged. A record none of whose child tables changed (A) has its root
// row merged alone; one whose child table changed and grandchild table
// did not (D) has the child rows upserted and the grandchild row left. A
// fingerprint pipe stored before the children parts existed leaves a
// record out when its content is unchanged, whatever its shape (B; E,
// whose shape that pipe took in another order of tables), and never
// leaves a table out (C, whose shape changed, takes the full path).
func testMergeChildTablesUnchanged(t *testing.T, tg Target) {
	hload(t, tg, "l1", nil, []hrecord{
		hrec("A", "l1", fingerprint("a1", "s1", "p1", "r1"), "a", "u", "a-0", "a-1"),
		hrec("B", "l1", fingerprint("b1", "s1"), "b", "", "b-0"),
		hrec("C", "l1", fingerprint("c1", "s1"), "c", "", "c-0"),
		hrec("D", "l1", fingerprint("d1", "s1", "p1", "r1"), "d", "w", "d-0"),
		hrec("E", "l1", fingerprint("e1", "s1"), "e", "", "e-0"),
	})
	for _, r := range []string{"A", "B", "C", "D", "E"} {
		plant(t, tg, r)
	}
	hload(t, tg, "l2", map[string]destinations.RowCounts{
		hissues.Name:   {Updated: 3, Unchanged: 2},
		hproblems.Name: {Updated: 2, Unchanged: 4, Deleted: 1},
		hrefs.Name:     {Unchanged: 2},
	}, []hrecord{
		hrec("A", "l2", fingerprint("a2", "s1", "p1", "r1"), "a'", "u'", "a-0'", "a-1'"),
		hrec("B", "l2", fingerprint("b1", "s1", "p1"), "b", "", "b-0"),
		hrec("C", "l2", fingerprint("c2", "s2", "p1"), "c'", "", "c-0'"),
		hrec("D", "l2", fingerprint("d2", "s1", "p2", "r1"), "d'", "w'", "d-0'"),
		hrec("E", "l2", fingerprint("e1", "s2", "p1"), "e", "", "e-0"),
	})
	for r, want := range map[string]bool{"A": true, "B": true, "C": false, "D": true, "E": true} {
		if got := planted(t, tg, r); got != want {
			t.Errorf("planted row of %s: %v, want %v (kept: its child ids not read)", r, got, want)
		}
	}
	roots := checkTable(t, tg, hissues, "A", "B", "C", "D", "E")
	checkRow(t, tg, hissues, roots["A"], "A", "title", "a'", schema.ColHash, fingerprint("a2", "s1", "p1", "r1"), schema.ColLoadID, "l2")
	checkRow(t, tg, hissues, roots["B"], "B", schema.ColHash, fingerprint("b1", "s1"), schema.ColLoadID, "l1")
	checkRow(t, tg, hissues, roots["C"], "C", "title", "c'", schema.ColHash, fingerprint("c2", "s2", "p1"))
	checkRow(t, tg, hissues, roots["D"], "D", "title", "d'", schema.ColHash, fingerprint("d2", "s1", "p2", "r1"))
	checkRow(t, tg, hissues, roots["E"], "E", schema.ColHash, fingerprint("e1", "s1"), schema.ColLoadID, "l1")
	kids := checkTable(t, tg, hproblems, "A.0", "A.1", "A.planted", "B.0", "B.planted", "C.0", "D.0", "D.planted", "E.0", "E.planted")
	checkRow(t, tg, hproblems, kids["A.0"], "A.0", "code", "a-0", schema.ColLoadID, "l1")
	checkRow(t, tg, hproblems, kids["A.1"], "A.1", "code", "a-1", schema.ColLoadID, "l1")
	checkRow(t, tg, hproblems, kids["C.0"], "C.0", "code", "c-0'", schema.ColLoadID, "l2")
	checkRow(t, tg, hproblems, kids["D.0"], "D.0", "code", "d-0'", schema.ColLoadID, "l2")
	grand := checkTable(t, tg, hrefs, "A.0.0", "D.0.0")
	checkRow(t, tg, hrefs, grand["A.0.0"], "A.0.0", "url", "u", schema.ColLoadID, "l1")
	checkRow(t, tg, hrefs, grand["D.0.0"], "D.0.0", "url", "w", schema.ColLoadID, "l1")
}
