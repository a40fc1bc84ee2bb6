package engine_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/postgres"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// peopleAPI serves GET /people as {"people": [...]}, the records in the
// order set last.
type peopleAPI struct {
	mu      sync.Mutex
	records []string
}

func (a *peopleAPI) set(records ...string) {
	a.mu.Lock()
	a.records = records
	a.mu.Unlock()
}

func (a *peopleAPI) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/people" {
			http.NotFound(w, r)
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"people":[%s]}`, strings.Join(a.records, ","))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Keys that differ only in case or snake-casing, met in one order by
// the first records and in the other by the last.
var people = []string{
	`{"id":1,"name":"a","fooBar":"f1","tags":["x"]}`,
	`{"id":2,"NAME":"b","foo_bar":"f2","TAGS":["y"]}`,
}

// nameDB is a destination under test and a connection to read it.
type nameDB struct {
	open   func(ctx context.Context) (destinations.Destination, error)
	db     *sql.DB
	tables string // query listing the tables
	schema string // qualifies table names, "" for none
}

func runNames(t *testing.T, d nameDB, apiURL string) {
	t.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(filepath.Join("testdata", "names.yml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load("names.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(s, plan.Options{Vars: map[string]string{"api_url": apiURL}, LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	dest, err := d.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	rep, err := engine.Run(ctx, p, engine.Options{Dest: dest, MaxIdentLen: 63, Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil || rep.Status != "completed" {
		t.Fatalf("run: %v (%+v)", err, rep)
	}
}

// snapshot lists every data row as "table: column=value ..." (non-null
// values, ids and load ids left out), sorted.
func snapshot(t *testing.T, d nameDB) []string {
	t.Helper()
	var out []string
	for _, table := range queryStrings(t, d.db, d.tables) {
		if strings.HasPrefix(table, "_pipe") {
			continue
		}
		q := `"` + table + `"`
		if d.schema != "" {
			q = `"` + d.schema + `".` + q
		}
		eachRow(t, d.db, `SELECT * FROM `+q, func(cols []string, vals []any) {
			var pairs []string
			for i, c := range cols {
				if vals[i] == nil || c == "_pipe_load_id" || c == "_pipe_id" || c == "_pipe_parent_id" || c == "_pipe_root_id" || c == "_pipe_hash" {
					continue
				}
				pairs = append(pairs, fmt.Sprintf("%s=%v", c, vals[i]))
			}
			slices.Sort(pairs)
			out = append(out, table+": "+strings.Join(pairs, " "))
		})
	}
	slices.Sort(out)
	return out
}

// testStableNames loads people, then the same records in the other
// order: the same columns hold the same values.
func testStableNames(t *testing.T, d nameDB) {
	api := &peopleAPI{}
	srv := api.server(t)
	api.set(people...)
	runNames(t, d, srv.URL)
	first := snapshot(t, d)
	for _, want := range []string{"people: foo_bar=f1 id=1 name=a", "people__tags: _pipe_list_idx=0 value=x"} {
		if !slices.Contains(first, want) {
			t.Fatalf("first run: %q not in\n%s", want, strings.Join(first, "\n"))
		}
	}
	api.set(people[1], people[0])
	runNames(t, d, srv.URL)
	if got := snapshot(t, d); !slices.Equal(got, first) {
		t.Errorf("keys met in the other order:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(first, "\n"))
	}
}

func sqliteNames(t *testing.T) nameDB {
	path := filepath.Join(t.TempDir(), "names.db")
	return nameDB{
		open:   func(ctx context.Context) (destinations.Destination, error) { return sqlite.Open(ctx, path) },
		db:     openDB(t, path),
		tables: `SELECT name FROM sqlite_master WHERE type = 'table'`,
	}
}

func TestStableNamesSQLite(t *testing.T) {
	testStableNames(t, sqliteNames(t))
}

func TestStableNamesPostgres(t *testing.T) {
	dsn := os.Getenv("PIPE_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres:postgres@localhost:5432/postgres?sslmode=disable"
	}
	db, err := sql.Open("postgres", dsn)
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("postgres unreachable (set PIPE_TEST_POSTGRES): %v", err)
		}
		t.Skipf("postgres unreachable (set PIPE_TEST_POSTGRES): %v", err)
	}
	t.Cleanup(func() { db.Close() })
	var b [6]byte
	rand.Read(b[:])
	dataset := "names_" + hex.EncodeToString(b[:])
	t.Cleanup(func() { db.Exec(`DROP SCHEMA IF EXISTS ` + dataset + ` CASCADE`) })
	testStableNames(t, nameDB{
		open: func(ctx context.Context) (destinations.Destination, error) {
			return postgres.Open(ctx, dsn, postgres.WithDataset(dataset))
		},
		db:     db,
		tables: `SELECT table_name FROM information_schema.tables WHERE table_schema = '` + dataset + `'`,
		schema: dataset,
	})
}

// TestStableNamesFromAnOldSchema: a database whose _pipe_schema records
// no keys (written before they were) loads into its columns, records the
// keys with its next change, and from then on keeps them in any order.
func TestStableNamesFromAnOldSchema(t *testing.T) {
	d := sqliteNames(t)
	api := &peopleAPI{}
	srv := api.server(t)
	api.set(people...)
	runNames(t, d, srv.URL)
	first := snapshot(t, d)

	// Forget the keys, as an older pipe recorded the schema.
	rows, err := d.db.Query(`SELECT table_name, version, columns_json FROM _pipe_schema`)
	if err != nil {
		t.Fatal(err)
	}
	type rec struct {
		table   string
		version int64
		cols    string
	}
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.table, &r.version, &r.cols); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	rows.Close()
	for _, r := range recs {
		var cols []map[string]any
		if err := json.Unmarshal([]byte(r.cols), &cols); err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			delete(c, "key")
		}
		js, _ := json.Marshal(cols)
		if strings.Contains(string(js), `"key"`) || !strings.Contains(r.cols, `"key"`) {
			t.Fatalf("columns_json %s: keys not recorded, or not removed", r.cols)
		}
		if _, err := d.db.Exec(`UPDATE _pipe_schema SET columns_json = ? WHERE table_name = ? AND version = ?`, string(js), r.table, r.version); err != nil {
			t.Fatal(err)
		}
	}

	// Same order, and a new field: the old columns, keys recorded.
	withAge := []string{strings.Replace(people[0], `"id":1,`, `"id":1,"age":7,`, 1), people[1]}
	api.set(withAge...)
	runNames(t, d, srv.URL)
	second := snapshot(t, d)
	want := append(slices.Clone(first[:0:0]), strings.Replace(first[0], "foo_bar=f1", "age=7 foo_bar=f1", 1))
	want = append(want, first[1:]...)
	slices.Sort(want)
	if !slices.Equal(second, want) {
		t.Fatalf("old schema:\n%s\nwant\n%s", strings.Join(second, "\n"), strings.Join(want, "\n"))
	}
	var cols string
	if err := d.db.QueryRow(`SELECT columns_json FROM _pipe_schema WHERE table_name = 'people' ORDER BY version DESC LIMIT 1`).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cols, `"key":"NAME"`) {
		t.Errorf("keys not recorded with the next change: %s", cols)
	}

	api.set(withAge[1], withAge[0])
	runNames(t, d, srv.URL)
	if got := snapshot(t, d); !slices.Equal(got, second) {
		t.Errorf("keys met in the other order:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(second, "\n"))
	}
}
