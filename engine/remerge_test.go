package engine_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// snapshotTables returns every row of every data table of the SQLite
// file, all columns, as "table/_pipe_id" → "col=value …".
func snapshotTables(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	tables := queryStrings(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_pipe\_%' ESCAPE '\' AND name NOT LIKE 'sqlite%'`)
	out := map[string]string{}
	for _, table := range tables {
		eachRow(t, db, `SELECT * FROM "`+table+`"`, func(cols []string, vals []any) {
			var id string
			parts := make([]string, 0, len(cols))
			for i, c := range cols {
				if c == "_pipe_id" {
					id = fmt.Sprint(vals[i])
				}
				parts = append(parts, fmt.Sprintf("%s=%v", c, vals[i]))
			}
			sort.Strings(parts)
			out[table+"/"+id] = strings.Join(parts, " ")
		})
	}
	return out
}

// diffKeys returns the keys whose values differ between a and b, or that
// only one has, sorted.
func diffKeys(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TestRemergeChangesOnlyTheChangedRecord runs a merge spec three times:
// unchanged, the second run leaves every row as it was (load ids
// included) and counts them all unchanged; then one nested value of one
// record changes (a project's second owner), and exactly that record's
// root row (its fingerprint and load id) and that child row differ
// afterwards.
func TestRemergeChangesOnlyTheChangedRecord(t *testing.T) {
	api := &acmeAPI{orgs: 3, projectsPerOrg: 3, depsPerProject: 2}
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "acme.db")
	if _, err := runSpec(t, "three_levels.yml", srv.URL, path, "s3cret"); err != nil {
		t.Fatalf("first run: %v", err)
	}
	db := openDB(t, path)
	first := snapshotTables(t, db)
	if n := count(t, db, `SELECT count(*) FROM projects WHERE length(_pipe_hash) = 80`); n != 9 {
		t.Fatalf("projects with a _pipe_hash: %d, want 9", n)
	}

	rep, err := runSpec(t, "three_levels.yml", srv.URL, path, "s3cret")
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if d := diffKeys(first, snapshotTables(t, db)); len(d) != 0 {
		t.Errorf("an unchanged rerun changed rows %v", d)
	}
	for table, n := range rep.Tables {
		if c := rep.Changes[table]; c != (destinations.RowCounts{Unchanged: n}) {
			t.Errorf("unchanged rerun: %s counts %+v, want %d unchanged", table, c, n)
		}
	}

	api.changedOwner = "org-1-p2"
	rep, err = runSpec(t, "three_levels.yml", srv.URL, path, "s3cret")
	if err != nil {
		t.Fatalf("run after the change: %v", err)
	}
	after := snapshotTables(t, db)
	var project, owner string
	if err := db.QueryRow(`SELECT p._pipe_id, o._pipe_id FROM projects p JOIN projects__owners o ON o._pipe_parent_id = p._pipe_id
		WHERE p.id = 'org-1-p2' AND o.email = 'c@example.com'`).Scan(&project, &owner); err != nil {
		t.Fatalf("changed owner: %v", err)
	}
	if d, want := diffKeys(first, after), []string{"projects/" + project, "projects__owners/" + owner}; strings.Join(d, ",") != strings.Join(want, ",") {
		t.Errorf("rows that differ after one nested change: %v, want %v", d, want)
	}
	if c := rep.Changes["projects__owners"]; c.Updated != 1 || c.Inserted != 0 || c.Deleted != 0 {
		t.Errorf("projects__owners counts %+v, want 1 updated", c)
	}

	// A change at the record's root level keeps the children part of its
	// fingerprint: the merge writes the project row alone and counts its
	// owners unchanged (the destinations' MergeRootOnly case shows that
	// they are then neither read nor written).
	hashOf := func() string {
		var h string
		if err := db.QueryRow(`SELECT _pipe_hash FROM projects WHERE id = 'org-2-p1'`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	was := hashOf()
	api.renamedProject = "org-2-p1"
	if rep, err = runSpec(t, "three_levels.yml", srv.URL, path, "s3cret"); err != nil {
		t.Fatalf("run after the rename: %v", err)
	}
	now := hashOf()
	if now[:32] == was[:32] || now[32:] != was[32:] {
		t.Errorf("fingerprint after a rename %s, was %s: want another content part, the same shape and children", now, was)
	}
	var renamed string
	if err := db.QueryRow(`SELECT _pipe_id FROM projects WHERE id = 'org-2-p1' AND name = 'renamed'`).Scan(&renamed); err != nil {
		t.Fatalf("renamed project: %v", err)
	}
	if d := diffKeys(after, snapshotTables(t, db)); strings.Join(d, ",") != "projects/"+renamed {
		t.Errorf("rows that differ after a rename: %v, want the project's", d)
	}
	if c := rep.Changes["projects"]; c.Updated != 1 {
		t.Errorf("projects counts %+v, want 1 updated", c)
	}
	if c, n := rep.Changes["projects__owners"], rep.Tables["projects__owners"]; c != (destinations.RowCounts{Unchanged: n}) {
		t.Errorf("projects__owners counts %+v, want %d unchanged", c, n)
	}
}

// TestNoFingerprintUnderDiscardingContract: a merge resource whose schema
// contract discards rows or values stores what the tables' schema let
// through, not only what the record holds, so its root table gets no
// _pipe_hash and every merge takes the full path; the others keep it.
func TestNoFingerprintUnderDiscardingContract(t *testing.T) {
	api := &acmeAPI{orgs: 2, projectsPerOrg: 1, depsPerProject: 1}
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "acme.db")
	discard := func(p *plan.Plan) {
		p.Resource("orgs").SchemaContract = spec.SchemaContract{Columns: "discard_value"}
	}
	if _, err := runTuned(t, "three_levels.yml", srv.URL, path, "s3cret", discard); err != nil {
		t.Fatalf("run: %v", err)
	}
	db := openDB(t, path)
	for table, want := range map[string]int{"orgs": 0, "projects": 1, "deps": 1} {
		if got := count(t, db, `SELECT count(*) FROM pragma_table_info(?) WHERE name = '_pipe_hash'`, table); got != want {
			t.Errorf("%s has %d _pipe_hash columns, want %d", table, got, want)
		}
	}
}
