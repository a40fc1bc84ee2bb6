package openapi

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
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

// generated is a spec generated from a vendor excerpt in testdata.
type generated struct {
	res  *Result
	spec *spec.Spec
}

// generateVendor generates a spec from testdata/<file> and checks it
// against its golden file testdata/<name>.golden.yml.
func generateVendor(t *testing.T, file string) generated {
	t.Helper()
	res, s := generateFile(t, filepath.Join("testdata", file), Options{Source: file})
	name := strings.TrimSuffix(file, filepath.Ext(file))
	golden(t, name+".golden.yml", string(res.YAML))
	return generated{res, s}
}

// run runs the generated spec as pipe run would (plan.Build,
// engine.Run) against apiURL, which replaces client.base_url, into a
// new SQLite file; it returns the database and the run's error.
func (g generated) run(t *testing.T, apiURL string, vars, env map[string]string) (*sql.DB, error) {
	t.Helper()
	p, err := plan.Build(g.spec, plan.Options{BaseURL: apiURL, Vars: vars, LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	path := filepath.Join(t.TempDir(), "out.db")
	dest, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	_, runErr := engine.Run(context.Background(), p, engine.Options{
		Dest:    dest,
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }},
		Sleep:   func(context.Context, time.Duration) error { return nil },
	})
	if err := dest.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, runErr
}

// rows reads a query's rows as strings joined by "|", one per row.
func rows(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rs, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			parts[i] = v.String
			if !v.Valid {
				parts[i] = "NULL"
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameRows compares a query's rows with want, in order.
func sameRows(t *testing.T, db *sql.DB, q string, want []string) {
	t.Helper()
	got := rows(t, db, q)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot  %d rows %v\nwant %d rows %v", q, len(got), head(got), len(want), head(want))
	}
}

func head(s []string) []string {
	if len(s) > 6 {
		return append(s[:3:3], "…", s[len(s)-2], s[len(s)-1])
	}
	return s
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// noSecretIn fails when any text column of any table holds one of the
// secrets.
func noSecretIn(t *testing.T, db *sql.DB, secrets ...string) {
	t.Helper()
	for _, table := range rows(t, db, `SELECT name FROM sqlite_master WHERE type = 'table'`) {
		for _, row := range rows(t, db, `SELECT * FROM "`+table+`"`) {
			for _, s := range secrets {
				if strings.Contains(row, s) {
					t.Errorf("table %s holds a secret: %s", table, row)
				}
			}
		}
	}
}

// mustFail checks that a run failed with an error naming every one of
// want and no secret.
func mustFail(t *testing.T, err error, want []string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("run succeeded, want an error naming %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not name %q:\n%v", w, err)
		}
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error holds a secret:\n%v", err)
		}
	}
}
