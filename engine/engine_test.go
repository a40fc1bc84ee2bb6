package engine_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// runSpec loads testdata/<file> against apiURL into the SQLite file db.
func runSpec(t *testing.T, file, apiURL, db, token string, resources ...string) (*engine.Report, error) {
	t.Helper()
	return runTuned(t, file, apiURL, db, token, nil, resources...)
}

// runTuned is runSpec with the plan adjusted by tune (if not nil) before
// the run.
func runTuned(t *testing.T, file, apiURL, db, token string, tune func(*plan.Plan), resources ...string) (*engine.Report, error) {
	t.Helper()
	p := testdataPlan(t, file, apiURL, resources...)
	if tune != nil {
		tune(p)
	}
	return runInto(t, p, db, engine.Options{
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { return token, k == "ACME_TOKEN" }},
		Sleep:   noWait, // retries without waiting
	})
}

// testdataPlan loads testdata/<file> and plans it against apiURL with
// the resources selected (all if none).
func testdataPlan(t *testing.T, file, apiURL string, resources ...string) *plan.Plan {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return specPlan(t, file, data, apiURL, resources...)
}

// specPlan loads the spec data, named file in its errors, and plans it
// against apiURL with the resources selected (all if none).
func specPlan(t *testing.T, file string, data []byte, apiURL string, resources ...string) *plan.Plan {
	t.Helper()
	s, err := spec.Load(file, data)
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	p, err := plan.Build(s, plan.Options{Vars: map[string]string{"api_url": apiURL}, Resources: resources, LookupEnv: noEnv})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

// runInto runs p into the SQLite file db with the options o, whose Dest
// it sets.
func runInto(t *testing.T, p *plan.Plan, db string, o engine.Options) (*engine.Report, error) {
	t.Helper()
	ctx := context.Background()
	dest, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	o.Dest = dest
	return engine.Run(ctx, p, o)
}

func noWait(context.Context, time.Duration) error { return nil }

func noEnv(string) (string, bool) { return "", false }

func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRunThreeLevelsIntoSQLite(t *testing.T) {
	api := &acmeAPI{orgs: 5, projectsPerOrg: 3, depsPerProject: 2}
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "acme.db")

	rep, err := runSpec(t, "three_levels.yml", srv.URL, path, "s3cret")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if rep.Status != "completed" {
		t.Fatalf("status %q", rep.Status)
	}
	db := openDB(t, path)
	checks := []struct {
		query string
		want  int
	}{
		{`SELECT count(*) FROM orgs`, 5},
		{`SELECT count(*) FROM orgs WHERE attributes__name = 'Org 3' AND attributes__seats = 30`, 1},
		{`SELECT count(*) FROM orgs__tags`, 10},
		{`SELECT count(*) FROM orgs__tags t JOIN orgs o ON t._pipe_parent_id = o._pipe_id WHERE t.value = 'b'`, 5},
		{`SELECT count(*) FROM projects`, 15},
		{`SELECT count(*) FROM projects WHERE _orgs_id = 'org-4' AND settings__recurring__frequency = 'daily'`, 3},
		{`SELECT count(*) FROM projects__owners`, 30},
		{`SELECT count(*) FROM deps`, 30},
		{`SELECT count(*) FROM deps WHERE _projects_id = 'org-2-p1'`, 2},
		{`SELECT count(*) FROM _pipe_loads WHERE status = 'completed'`, 1},
	}
	for _, c := range checks {
		if got := count(t, db, c.query); got != c.want {
			t.Errorf("%s = %d, want %d", c.query, got, c.want)
		}
	}
	if got := rep.Tables["deps"]; got != 30 {
		t.Errorf("report deps rows = %d, want 30", got)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("s3cret")) {
		t.Error("the API token was written to the database file")
	}

	// A rerun merges on the primary key: no duplicates, new values, child rows replaced.
	api.rename = " renamed"
	if _, err := runSpec(t, "three_levels.yml", srv.URL, path, "s3cret"); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	for _, c := range []struct {
		query string
		want  int
	}{
		{`SELECT count(*) FROM orgs`, 5},
		{`SELECT count(*) FROM orgs WHERE attributes__name LIKE '% renamed'`, 5},
		{`SELECT count(*) FROM orgs__tags`, 10},
		{`SELECT count(*) FROM projects`, 15},
		{`SELECT count(*) FROM deps`, 30},
		{`SELECT count(*) FROM _pipe_loads WHERE status = 'completed'`, 2},
	} {
		if got := count(t, db, c.query); got != c.want {
			t.Errorf("after rerun: %s = %d, want %d", c.query, got, c.want)
		}
	}
}

func TestRunSelectedChildExtractsParentsWithoutLoadingThem(t *testing.T) {
	api := &acmeAPI{orgs: 2, projectsPerOrg: 2, depsPerProject: 1}
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "acme.db")
	if _, err := runSpec(t, "three_levels.yml", srv.URL, path, "s3cret", "deps"); err != nil {
		t.Fatalf("run: %v", err)
	}
	db := openDB(t, path)
	if got := count(t, db, `SELECT count(*) FROM deps`); got != 4 {
		t.Errorf("deps = %d, want 4", got)
	}
	if got := count(t, db, `SELECT count(*) FROM sqlite_master WHERE name IN ('orgs', 'projects')`); got != 0 {
		t.Errorf("unselected parents were loaded (%d tables)", got)
	}
}

func TestRunBadTokenNamesResourceAndURLWithoutSecret(t *testing.T) {
	api := &acmeAPI{orgs: 1, projectsPerOrg: 1, depsPerProject: 1}
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "acme.db")
	_, err := runSpec(t, "three_levels.yml", srv.URL, path, "wrong-token-value")
	if err == nil {
		t.Fatal("run with a bad token succeeded")
	}
	msg := err.Error()
	for _, want := range []string{`resource "orgs"`, srv.URL + "/api/orgs", "401"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "wrong-token-value") {
		t.Errorf("error leaks the token: %q", msg)
	}
}

func TestFailedReplaceKeepsPreviousData(t *testing.T) {
	api := &acmeAPI{orgs: 5}
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "acme.db")
	if _, err := runSpec(t, "replace.yml", srv.URL, path, "s3cret"); err != nil {
		t.Fatalf("first run: %v", err)
	}
	api.rename, api.failOrgsAfter = " new", 2
	_, err := runSpec(t, "replace.yml", srv.URL, path, "s3cret")
	if err == nil || !strings.Contains(err.Error(), `resource "orgs"`) || !strings.Contains(err.Error(), "502") {
		t.Fatalf("second run: err = %v, want the resource and the 502", err)
	}
	db := openDB(t, path)
	if got := count(t, db, `SELECT count(*) FROM orgs WHERE attributes__name NOT LIKE '% new'`); got != 5 {
		t.Errorf("orgs of the first run = %d, want all 5 kept after the failed replace", got)
	}
	if got := count(t, db, `SELECT count(*) FROM orgs`); got != 5 {
		t.Errorf("orgs = %d, want 5", got)
	}
	api.failOrgsAfter = 0
	if _, err := runSpec(t, "replace.yml", srv.URL, path, "s3cret"); err != nil {
		t.Fatalf("third run: %v", err)
	}
	if got := count(t, db, `SELECT count(*) FROM orgs WHERE attributes__name LIKE '% new'`); got != 5 {
		t.Errorf("orgs after a good replace = %d new, want 5", got)
	}
}

func TestHostileFieldNamesLoadAsColumns(t *testing.T) {
	api := &acmeAPI{orgs: 3, projectsPerOrg: 1, depsPerProject: 1}
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "acme.db")
	if _, err := runSpec(t, "three_levels.yml", srv.URL, path, "s3cret", "orgs"); err != nil {
		t.Fatalf("run: %v", err)
	}
	db := openDB(t, path)
	if got := count(t, db, `SELECT count(*) FROM orgs WHERE drop_table_orgs_ = 2 AND we_ird = 'quoted'`); got != 1 {
		t.Errorf("hostile columns: %d matching rows, want 1", got)
	}
	if got := count(t, db, `SELECT count(*) FROM orgs`); got != 3 {
		t.Errorf("orgs = %d, want 3 (nothing dropped)", got)
	}
}

func TestColumnHints(t *testing.T) {
	api := &acmeAPI{orgs: 3}
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "acme.db")
	if _, err := runSpec(t, "hints.yml", srv.URL, path, "s3cret"); err != nil {
		t.Fatalf("run: %v", err)
	}
	db := openDB(t, path)
	if got := count(t, db, `SELECT count(*) FROM orgs WHERE typeof(attributes__seats) = 'text' AND attributes__seats = '20'`); got != 1 {
		t.Errorf("hinted text column: %d rows with seats '20' as text, want 1", got)
	}
	// The hinted primary key (attributes.name) gives stable ids, so an
	// append rerun skips the rows it already has.
	if _, err := runSpec(t, "hints.yml", srv.URL, path, "s3cret"); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if got := count(t, db, `SELECT count(*) FROM orgs`); got != 3 {
		t.Errorf("orgs after an append rerun keyed by the hinted primary key = %d, want 3", got)
	}

	_, err := runSpec(t, "hints_required.yml", srv.URL, filepath.Join(t.TempDir(), "b.db"), "s3cret")
	want := `table "orgs": column "attributes__plan" is null or missing, but columns.attributes__plan.nullable is false (record _pipe_id=`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestFrozenColumnsNameTheOffendingRecord(t *testing.T) {
	api := &acmeAPI{orgs: 5}
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "acme.db")
	if _, err := runSpec(t, "frozen.yml", srv.URL, path, "s3cret"); err != nil {
		t.Fatalf("first run creates the table under tables: evolve: %v", err)
	}
	api.plan = "pro"
	_, err := runSpec(t, "frozen.yml", srv.URL, path, "s3cret")
	want := `resource "orgs": ` + srv.URL + `/api/orgs?page_size=2: table "orgs": column "plan": value of type text violates columns contract "freeze" (record id=org-0)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
	db := openDB(t, path)
	if got := count(t, db, `SELECT count(*) FROM pragma_table_info('orgs') WHERE name = 'plan'`); got != 0 {
		t.Error("the frozen table got the new column")
	}
	if got := count(t, db, `SELECT count(*) FROM _pipe_loads WHERE status = 'failed' AND finished_at IS NOT NULL`); got != 1 {
		t.Errorf("failed loads recorded = %d, want 1", got)
	}
}

func TestDeletedParentIsIgnoredByResponseAction(t *testing.T) {
	api := &acmeAPI{orgs: 2, projectsPerOrg: 2, depsPerProject: 3, gone: "org-1-p0"}
	srv := api.server(t)
	path := filepath.Join(t.TempDir(), "acme.db")
	rep, err := runSpec(t, "three_levels.yml", srv.URL, path, "s3cret")
	if err != nil {
		t.Fatalf("a 404 on a deleted parent's child must not fail the run: %v", err)
	}
	db := openDB(t, path)
	if got := count(t, db, `SELECT count(*) FROM deps`); got != 9 {
		t.Errorf("deps = %d, want 9 (4 projects x 3, less the deleted one's)", got)
	}
	if rep.Status != "completed" {
		t.Errorf("status %q", rep.Status)
	}
}
