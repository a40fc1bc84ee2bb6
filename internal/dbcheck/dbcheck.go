// Package dbcheck compares what a loaded SQLite database holds with what
// a test expects, row for row: every expected row exactly once, with equal
// values, and nothing else. Contract tests of shipped specs describe each
// table as a Table (a query and the rows it must return, keyed by the
// query's first column) and call Check.
package dbcheck

import (
	"database/sql"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the driver Open opens
)

// maxReports is how many problems Check reports for one table before it
// only counts them: a wrong loader makes thousands of identical ones.
const maxReports = 5

// Table is what one table must hold. Query returns one row per table row:
// a key first, then the values to compare. Rows maps each key to those
// values. Every key must come back exactly once, with equal values (see
// Norm and JSON), and no other key may.
type Table struct {
	Name  string
	Query string
	Rows  map[string][]any
}

// Open opens the SQLite database file at path; it is closed when the test
// ends.
func Open(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Check checks every table of tables (see CheckTable) and that db holds
// no other data table (one whose name does not start with _pipe_). A
// table that is absent passes if no rows are expected in it: a table is
// created by its first row.
func Check(t testing.TB, db *sql.DB, tables []Table) {
	t.Helper()
	have := dataTables(t, db)
	checked := map[string]bool{}
	for _, tw := range tables {
		checked[tw.Name] = true
		if !have[tw.Name] {
			if len(tw.Rows) > 0 {
				t.Errorf("table %s is missing; want %d rows", tw.Name, len(tw.Rows))
			}
			continue
		}
		CheckTable(t, db, tw)
	}
	for n := range have {
		if !checked[n] {
			t.Errorf("unexpected table %s", n)
		}
	}
}

// dataTables returns the names of db's tables other than pipe's own.
func dataTables(t testing.TB, db *sql.DB) map[string]bool {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_pipe\_%' ESCAPE '\'`)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatalf("list tables: %v", err)
		}
		have[n] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("list tables: %v", err)
	}
	return have
}
