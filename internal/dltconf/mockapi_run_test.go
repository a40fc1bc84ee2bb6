package dltconf

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// mockCase is one config of dlt's integration tests, run through pipe
// against dltMock, with what dlt's test asserts: the tables and their row
// counts, query results, the requests sent, or the error.
type mockCase struct {
	name   string
	config string         // YAML; https://api.example.com names the mock
	tables map[string]int // every table loaded (not _pipe_*) and its rows
	rows   []rowCheck
	sent   func(t *testing.T, m *dltMock)
	err    []string // the run must fail with all of these in its error
	runs   int      // runs in a row into one database (default 1); checks apply to the last
}

// rowCheck is a query and its rows, each row's columns joined by "|".
type rowCheck struct {
	q    string
	want []string
}

// mockSecrets are the {secrets.*} the cases use.
var mockSecrets = map[string]string{
	"token":         "test-token",
	"api_key":       "test-api-key",
	"username":      "user",
	"password":      "password",
	"client_id":     "test-client-id",
	"client_secret": "test-client-secret",
}

func runMockCases(t *testing.T, cases []mockCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newDltMock(t)
			db := filepath.Join(t.TempDir(), "mock.db")
			var err error
			for i := 0; i < max(c.runs, 1); i++ {
				err = runMock(t, c.config, m.srv.URL, db)
			}
			if len(c.err) > 0 {
				if err == nil {
					t.Fatalf("run succeeded, want an error with %q", c.err)
				}
				t.Logf("error (as wanted): %v", err)
				for _, part := range c.err {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error lacks %q:\n%v", part, err)
					}
				}
			} else if err != nil {
				t.Fatalf("run: %v", err)
			}
			if c.tables != nil {
				if got := tableCounts(t, db); !equalCounts(got, c.tables) {
					t.Errorf("tables = %v, want %v", got, c.tables)
				}
			}
			for _, rc := range c.rows {
				if got := queryRows(t, db, rc.q); !slices.Equal(got, rc.want) {
					t.Errorf("%s:\ngot  %q\nwant %q", rc.q, got, rc.want)
				}
			}
			if c.sent != nil {
				c.sent(t, m)
			}
		})
	}
}

// runMock loads, plans and runs config against the mock at srvURL into
// the SQLite file db.
func runMock(t *testing.T, config, srvURL, db string) error {
	t.Helper()
	_, err := load(t, "mock.yml", []byte(strings.ReplaceAll(config, "https://api.example.com", srvURL)), mockSecrets, db)
	return err
}

// load loads, plans and runs the config data of file into the SQLite file
// db, its {secrets.NAME} read from secrets by lower-case name, and returns
// the spec's name.
func load(t *testing.T, file string, data []byte, secretValues map[string]string, db string) (string, error) {
	t.Helper()
	ctx := context.Background()
	s, err := spec.Load(file, data)
	if err != nil {
		return "", fmt.Errorf("load: %w", err)
	}
	p, err := plan.Build(s, plan.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		return s.Name, fmt.Errorf("plan: %w", err)
	}
	dest, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	_, err = engine.Run(ctx, p, engine.Options{
		Dest: dest,
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) {
			v, ok := secretValues[strings.ToLower(k)]
			return v, ok
		}},
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		return s.Name, fmt.Errorf("run: %w", err)
	}
	return s.Name, nil
}

// tableCounts returns the rows of every table but pipe's own; a database
// that was never written to has none.
func tableCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]int{}
	for _, tbl := range queryStrings(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_pipe\_%' ESCAPE '\'`) {
		var n int
		if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM %q", tbl)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tbl] = n
	}
	return out
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// queryRows runs q and returns each row's columns joined by "|", NULL as
// "NULL" and each value with its SQLite type when it is not text
// ("0:int", "1.5:real").
func queryRows(t *testing.T, path, q string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				parts[i] = "NULL"
			case int64:
				parts[i] = fmt.Sprintf("%d:int", v)
			case float64:
				parts[i] = fmt.Sprintf("%v:real", v)
			case []byte:
				parts[i] = string(v)
			default:
				parts[i] = fmt.Sprint(v)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// seq returns format filled with each of from..to-1.
func seq(format string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf(format, i))
	}
	return out
}
