package dbcheck

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that records errors instead of failing.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf("fatal: "+format, args...)
	runtime.Goexit()
}

// check runs Check as a test would and returns what it reported.
func check(t *testing.T, path string, tables []Table) []string {
	rec := &recorder{TB: t}
	db := Open(t, path)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Check(rec, db, tables)
	}()
	<-done
	return rec.errors
}

// loadedDB writes a database as the loader would: two issues, the first
// with two problems, and pipe's own bookkeeping table.
func loadedDB(t *testing.T, extra ...string) string {
	path := filepath.Join(t.TempDir(), "a.db")
	db := Open(t, path)
	stmts := append([]string{
		`CREATE TABLE _pipe_loads (id TEXT)`,
		`CREATE TABLE issues (_pipe_id TEXT, id TEXT, ignored INTEGER, updated_at TEXT, refs TEXT)`,
		`INSERT INTO issues VALUES ('a', 'i1', 1, '2026-01-02T03:04:05Z', '["x"]'), ('b', 'i2', 0, '2026-01-02T03:04:05Z', '[]')`,
		`CREATE TABLE issues__problems (_pipe_parent_id TEXT, _pipe_list_idx INTEGER, id TEXT)`,
		`INSERT INTO issues__problems VALUES ('a', 0, 'p1'), ('a', 1, 'p2')`,
	}, extra...)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return path
}

// expected is what loadedDB holds, changed by edit.
func expected(edit func(issues, problems map[string][]any)) []Table {
	issues := map[string][]any{
		"i1": {true, "2026-01-02T04:04:05+01:00", JSON{[]string{"x"}}},
		"i2": {false, "2026-01-02T03:04:05Z", JSON{[]string{}}},
	}
	problems := NewChild([]string{"id"}, "issues", "issues__problems")
	problems.Add(Key("i1", 0), "p1")
	problems.Add(Key("i1", 1), "p2")
	if edit != nil {
		edit(issues, problems.rows)
	}
	return []Table{
		{Name: "issues", Query: `SELECT id, ignored, updated_at, refs FROM issues`, Rows: issues},
		problems.Table("t0.id"),
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name  string
		extra []string // statements run on the loaded database
		edit  func(issues, problems map[string][]any)
		want  []string // substrings of the errors, in order; none if it holds
	}{
		{name: "what was loaded"},
		{name: "a value differs", edit: func(is, _ map[string][]any) { is["i2"][0] = true },
			want: []string{"table issues: row i2: ignored = 0, want 1"}},
		{name: "JSON differs", edit: func(is, _ map[string][]any) { is["i1"][2] = JSON{[]string{"y"}} },
			want: []string{`row i1: refs = ["x"], want ["y"]`}},
		{name: "a row is missing", edit: func(is, _ map[string][]any) { is["i3"] = []any{false, nil, JSON{nil}} },
			want: []string{"table issues: row i3 is missing"}},
		{name: "a row is not expected", edit: func(_, p map[string][]any) { delete(p, "i1/1") },
			want: []string{"table issues__problems: row i1/1 is not expected"}},
		{name: "a row is loaded twice", extra: []string{`INSERT INTO issues__problems VALUES ('a', 1, 'p2')`},
			want: []string{"table issues__problems: row i1/1 loaded more than once"}},
		{name: "an orphan child row", extra: []string{`INSERT INTO issues__problems VALUES ('gone', 0, 'p9')`},
			want: []string{"table issues__problems: row <NULL> is not expected"}},
		{name: "a table is missing", extra: []string{`DROP TABLE issues__problems`},
			want: []string{"table issues__problems is missing; want 2 rows"}},
		{name: "an unexpected table", extra: []string{`CREATE TABLE other (x TEXT)`},
			want: []string{"unexpected table other"}},
		{name: "a query that fails", extra: []string{`ALTER TABLE issues DROP COLUMN refs`},
			want: []string{"table issues: SELECT"}},
		{name: "many problems are counted", edit: func(is, _ map[string][]any) {
			for i := 3; i < 10; i++ {
				is[Key("i", i)] = []any{false, nil, nil}
			}
		}, want: []string{"missing", "missing", "missing", "missing", "missing", "table issues: 7 problems in all"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := check(t, loadedDB(t, c.extra...), expected(c.edit))
			if len(got) != len(c.want) {
				t.Fatalf("reported %q, want %d errors like %q", got, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("error %d: %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

func TestCheckAbsentTableWithNoRowsExpected(t *testing.T) {
	path := loadedDB(t)
	tables := append(expected(nil), Table{Name: "never_loaded", Query: `SELECT id FROM never_loaded`})
	if got := check(t, path, tables); len(got) != 0 {
		t.Errorf("reported %q for a table no row of which is expected", got)
	}
}

func TestCheckTableOfTheWrongWidthIsFatal(t *testing.T) {
	got := check(t, loadedDB(t), expected(func(is, _ map[string][]any) { is["i1"] = is["i1"][:1] }))
	if len(got) != 1 || !strings.HasPrefix(got[0], "fatal: table issues: want 1 values, query has 3") {
		t.Errorf("reported %q, want one fatal error about the width", got)
	}
}
