package dltconf

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

var update = flag.Bool("update", false, "rewrite the golden .want files")

// secretValues are the {secrets.*} the corpus uses.
var secretValues = map[string]string{
	"github_token":  "gh-token",
	"client_id":     "cid",
	"client_secret": "csecret",
	"api_key":       "k-123",
}

// origin matches the API origins a config names; the test points each at
// the fake's sub-tree for the case.
var origin = regexp.MustCompile(`https://[a-z0-9.-]+\.(com|co)`)

// TestCorpus runs every config in testdata into a fresh SQLite file and
// compares the requests sent and the tables loaded with its .want file.
func TestCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yml")
	jsonFiles, _ := filepath.Glob("testdata/*.json")
	files = append(files, jsonFiles...)
	if len(files) < 12 {
		t.Fatalf("corpus has %d configs, want at least 12", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		t.Run(name, func(t *testing.T) {
			api := newFakeAPI(t)
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			data = origin.ReplaceAll(data, []byte(api.srv.URL+"/"+name))
			got := run(t, filepath.Base(f), data, api)
			matchGolden(t, strings.TrimSuffix(f, filepath.Ext(f))+".want", got)
		})
	}
}

// matchGolden compares got with the golden file, rewriting it under
// -update.
func matchGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("golden file (run go test -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("differs from %s:\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

// run loads, plans and runs one config and describes what happened.
func run(t *testing.T, file string, data []byte, api *fakeAPI) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "corpus.db")
	name, err := load(t, file, data, secretValues, db)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "spec %s\nrequests:\n", name)
	for _, r := range api.sent() {
		fmt.Fprintf(&b, "  %s\n", strings.ReplaceAll(r, api.srv.URL, ""))
	}
	b.WriteString("tables:\n")
	describeTables(t, &b, db)
	return b.String()
}

// describeTables writes each loaded table with its row count and columns.
func describeTables(t *testing.T, b *strings.Builder, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables := queryStrings(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_pipe\_%' ESCAPE '\' ORDER BY name`)
	for _, tbl := range tables {
		var n int
		if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM %q", tbl)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		cols := queryStrings(t, db, fmt.Sprintf("SELECT name FROM pragma_table_info(%q) ORDER BY name", tbl))
		fmt.Fprintf(b, "  %s: %d rows\n    %s\n", tbl, n, strings.Join(cols, ", "))
	}
}

func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
