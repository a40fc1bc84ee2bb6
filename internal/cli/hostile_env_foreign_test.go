package cli

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/internal/dbcheck"
)

// foreignTables are an application's own table, named as pipe would name
// the spec's projects (a user points --dest at the app's database), with
// a row and without.
var foreignTables = map[string][]string{
	"with a row": {`CREATE TABLE projects (id TEXT, budget INTEGER)`, `INSERT INTO projects VALUES ('p1', 100)`},
	"empty":      {`CREATE TABLE projects (id TEXT, budget INTEGER)`},
}

// TestForeignTablesSQLite: a database whose tables items and projects
// were made by another program (no _pipe_schema) is not pipe's to
// change: the run fails naming the table that pipe did not create, and
// the application's tables are left exactly as they were (no column
// added, no row written).
func TestForeignTablesSQLite(t *testing.T) {
	for name, stmts := range foreignTables {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app.db")
			db := dbcheck.Open(t, path)
			for _, s := range stmts {
				if _, err := db.Exec(s); err != nil {
					t.Fatal(err)
				}
			}
			testForeignTables(t, path, db, func() string { return sqliteDump(t, path) })
		})
	}
}

// TestForeignTablesPostgres is TestForeignTablesSQLite in a Postgres
// dataset whose schema holds the application's tables.
func TestForeignTablesPostgres(t *testing.T) {
	for name, stmts := range foreignTables {
		t.Run(name, func(t *testing.T) {
			dsn, _, db := pgEnvDest(t)
			if _, err := db.Exec(`CREATE SCHEMA ` + pgSchema(t, dsn)); err != nil {
				t.Fatal(err)
			}
			for _, s := range stmts {
				if _, err := db.Exec(s); err != nil {
					t.Fatal(err)
				}
			}
			testForeignTables(t, dsn, db, func() string { return pgDump(t, db) })
		})
	}
}

func testForeignTables(t *testing.T, dest string, db *sql.DB, dump func() string) {
	t.Helper()
	before := dump()
	a := newEnvAPI(t, 2, 5)
	spec := writeEnvSpec(t, t.TempDir())
	code, stdout, stderr := run(t, envVars, envArgs(spec, a, dest)...)
	t.Logf("exit %d\n%s%s", code, stdout, stderr)
	after := dump()
	if code == ExitOK {
		t.Errorf("exit 0 loading into another program's tables")
	} else if !strings.Contains(stderr, `"projects"`) {
		t.Errorf("the error does not name the table")
	}
	for _, table := range []string{"projects"} {
		if b, a := section(before, table), section(after, table); b != a {
			t.Errorf("table %s was changed:\nbefore:\n%s\nafter:\n%.2000s", table, b, a)
		}
	}
}

// section returns one table's part of a dump.
func section(dump, table string) string {
	_, rest, ok := strings.Cut(dump, "== "+table+" (")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n== "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}
