package engine_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/postgres"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

// The types tests (apis_types_<vendor>_test.go) run specs written from the
// public docs of APIs whose values a loader easily alters (snowflake ids,
// custom fields whose type changes per record, user-keyed metadata maps,
// quantities and timestamps) into a real SQLite file and a real Postgres
// schema, and compare every stored value with what the fake served: its
// text, its column's type, its precision and its instant.

// typesDest is one destination of the types tests: a new SQLite file, or
// a fresh Postgres schema (skipped when no server is reachable).
type typesDest struct {
	name string
	open func(ctx context.Context) (destinations.Destination, error)
	db   *sql.DB // reads the data; Postgres in UTC, on the schema
	file string  // the SQLite file; "" for Postgres
}

// forEachDest runs f once into SQLite and once into Postgres, as subtests.
func forEachDest(t *testing.T, f func(t *testing.T, d *typesDest)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "types.db")
		f(t, &typesDest{
			name: "sqlite",
			open: func(ctx context.Context) (destinations.Destination, error) { return sqlite.Open(ctx, path) },
			db:   openDB(t, path),
			file: path,
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn, _ := pgtest.DSN(t)
		db := pgtest.Open(t, dsn)
		if _, err := db.Exec(`SET TimeZone TO 'UTC'`); err != nil {
			t.Fatal(err)
		}
		f(t, &typesDest{
			name: "postgres",
			open: func(ctx context.Context) (destinations.Destination, error) { return postgres.Open(ctx, dsn) },
			db:   db,
		})
	})
}

// pick returns the value for d's destination: sqlite's or postgres'.
func (d *typesDest) pick(sqliteV, postgresV string) string {
	if d.name == "sqlite" {
		return sqliteV
	}
	return postgresV
}

// run runs text (a spec) against vars into d, secrets from env, debug
// logs captured.
func (d *typesDest) run(t *testing.T, vendor, text string, vars, env map[string]string) *vendorRun {
	t.Helper()
	p := vendorPlan(t, vendor, text, vars)
	v := &vendorRun{db: d.file}
	logs := &syncBuffer{}
	o := engine.Options{
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { s, ok := env[k]; return s, ok }},
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sleep:   noWait,
	}
	ctx := context.Background()
	dest, err := d.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	o.Dest = dest
	if m, ok := dest.(destinations.IdentLimiter); ok {
		o.MaxIdentLen = m.MaxIdentifierLength() // as pipe run sets it
	}
	v.rep, v.err = engine.Run(ctx, p, o)
	v.logs = logs.String()
	return v
}

// mustLoad fails t unless the run completed.
func (v *vendorRun) mustLoad(t *testing.T) {
	t.Helper()
	if v.err != nil || v.rep == nil || v.rep.Status != "completed" {
		t.Fatalf("run: %v\nlogs:\n%s", v.err, v.logs)
	}
}

// mustFailWith fails t unless the run failed with an error holding every
// one of parts, srvURL in them written as {base}.
func (v *vendorRun) mustFailWith(t *testing.T, srvURL string, parts ...string) {
	t.Helper()
	if v.err == nil {
		t.Fatalf("run completed, want an error holding %q", parts)
	}
	for _, p := range parts {
		if p = strings.ReplaceAll(p, "{base}", srvURL); !strings.Contains(v.err.Error(), p) {
			t.Errorf("err = %v\nwant it to hold %s", v.err, p)
		}
	}
}

// typesCell is a stored value as text: NULL, integers in decimal, doubles
// in their shortest digits, plain from 1e-4 to 1e15 as Postgres prints
// them (-0 kept), times as RFC 3339 in UTC with every
// fraction digit, numeric and text as they are.
func typesCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	case float64:
		if x == 0 && math.Signbit(x) {
			return "-0"
		}
		if a := math.Abs(x); a >= 1e-4 && a < 1e15 {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return strconv.FormatFloat(x, 'e', -1, 64)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// rows returns each row of q, its cells (typesCell) joined by "|".
func (d *typesDest) rows(t *testing.T, q string) []string {
	t.Helper()
	var out []string
	eachRow(t, d.db, q, func(_ []string, vals []any) {
		cells := make([]string, len(vals))
		for i, v := range vals {
			cells[i] = typesCell(v)
		}
		out = append(out, strings.Join(cells, "|"))
	})
	return out
}

// check compares the rows of q with want.
func (d *typesDest) check(t *testing.T, q string, want ...string) {
	t.Helper()
	curSameRows(t, q, d.rows(t, q), want)
}

// declared maps a destination's declared column type to the logical type
// it stores; SQLite's TEXT holds text and decimals alike.
var declared = map[string]string{
	"BOOLEAN": "boolean", "BIGINT": "bigint", "DOUBLE": "double", "TIMESTAMP": "timestamp", "JSON": "json", "TEXT": "text|decimal",
	"boolean": "boolean", "bigint": "bigint", "double precision": "double", "numeric": "decimal",
	"timestamp with time zone": "timestamp", "jsonb": "json", "text": "text",
}

// typesColumn is a column as _pipe_schema records it.
type typesColumn struct {
	Name, Type, Key string
}

// schemaOf returns table's columns as the last _pipe_schema version
// records them, having checked that the destination declares each with
// the matching type.
func (d *typesDest) schemaOf(t *testing.T, table string) map[string]typesColumn {
	t.Helper()
	var js string
	q := `SELECT columns_json FROM _pipe_schema WHERE table_name = ` + d.pick("?", "$1") + ` ORDER BY version DESC LIMIT 1`
	if err := d.db.QueryRow(q, table).Scan(&js); err != nil {
		t.Fatalf("schema of %s: %v", table, err)
	}
	var cols []typesColumn
	if err := json.Unmarshal([]byte(js), &cols); err != nil {
		t.Fatal(err)
	}
	q = d.pick(`SELECT name, type FROM pragma_table_info(?)`,
		`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`)
	decl := map[string]string{}
	eachRow(t, d.db, strings.Replace(q, d.pick("?", "$1"), "'"+table+"'", 1), func(_ []string, vals []any) {
		decl[typesCell(vals[0])] = typesCell(vals[1])
	})
	out := map[string]typesColumn{}
	for _, c := range cols {
		out[c.Name] = c
		if got := declared[decl[c.Name]]; !strings.Contains("|"+got+"|", "|"+c.Type+"|") {
			t.Errorf("table %s column %s: recorded %s, declared %q", table, c.Name, c.Type, decl[c.Name])
		}
	}
	return out
}

// types returns "column type" for each column of table whose name starts
// with prefix, sorted, as _pipe_schema records it (declared types checked).
func (d *typesDest) types(t *testing.T, table, prefix string) []string {
	t.Helper()
	var out []string
	for name, c := range d.schemaOf(t, table) {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name+" "+c.Type)
		}
	}
	sort.Strings(out)
	return out
}

// checkTypes compares types(table, prefix) with want.
func (d *typesDest) checkTypes(t *testing.T, table, prefix string, want ...string) {
	t.Helper()
	curSameRows(t, "types of "+table+" "+prefix+"*", d.types(t, table, prefix), want)
}

// pagesAPI serves each request of path the next body of its current run:
// page n of a run is the body for the n-th request (a cursor paginator's
// token is checked by the vendor's handler through want).
type pagesAPI struct {
	mu     sync.Mutex
	token  string                          // the bearer token every request must carry
	header string                          // the header that carries token as it is ("": Authorization: Bearer)
	want   func(*http.Request, int) string // what is wrong with request n of a run ("" when right)
	pages  []string
	n      int
	bad    []string
}

// serve starts a run: the next requests get pages in order.
func (a *pagesAPI) serve(pages ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pages, a.n = pages, 0
}

func (a *pagesAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	got, want := r.Header.Get("Authorization"), "Bearer "+a.token
	if a.header != "" {
		got, want = r.Header.Get(a.header), a.token
	}
	if got != want {
		curWrite(w, http.StatusUnauthorized, `{"errors": "unauthorized"}`)
		return
	}
	if a.want != nil {
		if bad := a.want(r, a.n); bad != "" {
			a.bad = append(a.bad, bad)
			curWrite(w, http.StatusBadRequest, `{"error": "bad request"}`)
			return
		}
	}
	if a.n >= len(a.pages) {
		a.bad = append(a.bad, "request past the last page: "+r.URL.String())
		curWrite(w, http.StatusBadRequest, `{"error": "no such page"}`)
		return
	}
	a.n++
	curWrite(w, http.StatusOK, a.pages[a.n-1])
}

// checkRequests fails t if any request was wrong.
func (a *pagesAPI) checkRequests(t *testing.T) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, b := range a.bad {
		t.Error(b)
	}
	a.bad = nil
}

// keyColumns returns, for each JSON key path under prefix (a gjson path
// such as "metadata."; escapes removed) of table's columns, the column
// _pipe_schema says holds it.
func (d *typesDest) keyColumns(t *testing.T, table, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, c := range d.schemaOf(t, table) {
		if c.Key == "" || !strings.HasPrefix(c.Key, prefix) {
			continue
		}
		var b strings.Builder
		k := c.Key[len(prefix):]
		for i := 0; i < len(k); i++ {
			if k[i] == '\\' && i+1 < len(k) {
				i++
			}
			b.WriteByte(k[i])
		}
		if prev, ok := out[b.String()]; ok {
			t.Errorf("table %s: key %q in two columns, %s and %s", table, b.String(), prev, name)
		}
		out[b.String()] = name
	}
	return out
}

// checkKeys compares, for table's row whose id is id, the value of each
// key of want (under prefix) with the column _pipe_schema gives it, and
// fails when a key of prefix outside want holds a value in that row.
func (d *typesDest) checkKeys(t *testing.T, table, id, prefix string, want map[string]string) {
	t.Helper()
	d.checkKeysWhere(t, table, "id = '"+id+"'", prefix, want)
}

// checkKeysWhere is checkKeys for the one row where cond holds.
func (d *typesDest) checkKeysWhere(t *testing.T, table, cond, prefix string, want map[string]string) {
	t.Helper()
	cols := d.keyColumns(t, table, prefix)
	for key, col := range cols {
		q := `SELECT ` + quoteIdent(col) + ` FROM ` + table + ` WHERE ` + cond
		got := d.rows(t, q)
		w, ok := want[key]
		if !ok {
			w = "NULL"
		}
		if len(got) != 1 || got[0] != w {
			t.Errorf("%s %s: key %q (column %s) = %q, want %q", table, cond, key, col, got, w)
		}
	}
	for key := range want {
		if _, ok := cols[key]; !ok {
			t.Errorf("%s %s: key %q has no column (columns %v)", table, cond, key, cols)
		}
	}
}

// quoteIdent quotes a column name for SQLite and Postgres alike.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
