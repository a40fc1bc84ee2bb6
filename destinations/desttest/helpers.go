package desttest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/state"
)

const pipeline = "conformance"

var started = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// col is a nullable data column.
func col(name string, typ schema.Type) schema.Column {
	return schema.Column{Name: name, Type: typ, Nullable: true}
}

// rootTable returns a root table with the bookkeeping columns the engine
// adds, followed by cols.
func rootTable(name string, cols ...schema.Column) *schema.Table {
	t := &schema.Table{Name: name, Columns: []schema.Column{
		{Name: schema.ColID, Type: schema.Text, PrimaryKey: true},
		col(schema.ColLoadID, schema.Text),
	}}
	t.Columns = append(t.Columns, cols...)
	return t
}

// childTable returns a child table of parent with the engine's child
// bookkeeping columns, followed by cols.
func childTable(name, parent string, cols ...schema.Column) *schema.Table {
	t := rootTable(name)
	t.Parent = parent
	t.Columns = append(t.Columns,
		col(schema.ColParentID, schema.Text),
		col(schema.ColRootID, schema.Text),
		col(schema.ColListIdx, schema.Bigint))
	t.Columns = append(t.Columns, cols...)
	return t
}

// with returns a copy of t with more columns.
func with(t *schema.Table, cols ...schema.Column) *schema.Table {
	c := *t
	c.Columns = append(append([]schema.Column(nil), t.Columns...), cols...)
	return &c
}

// retyped returns a copy of t with column name of type typ.
func retyped(t *schema.Table, name string, typ schema.Type) *schema.Table {
	c := *t
	c.Columns = append([]schema.Column(nil), t.Columns...)
	for i := range c.Columns {
		if c.Columns[i].Name == name {
			c.Columns[i].Type = typ
		}
	}
	return &c
}

// row returns a row with _pipe_id id, _pipe_load_id load and kv pairs.
func row(id, load string, kv ...any) schema.Row {
	r := schema.Row{schema.ColID: id, schema.ColLoadID: load}
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i].(string)] = kv[i+1]
	}
	return r
}

// childRow returns a row of a child table.
func childRow(id, load, parent, root string, idx int64, kv ...any) schema.Row {
	r := row(id, load, kv...)
	r[schema.ColParentID] = parent
	r[schema.ColRootID] = root
	r[schema.ColListIdx] = idx
	return r
}

func load(id string) destinations.Load {
	return destinations.Load{ID: id, Pipeline: pipeline, Started: started}
}

func begin(t *testing.T, d destinations.Destination, loadID string) destinations.Tx {
	t.Helper()
	tx, err := d.Begin(ctx(t), load(loadID))
	if err != nil {
		t.Fatalf("begin %s: %v", loadID, err)
	}
	t.Cleanup(func() { _ = tx.Rollback() })
	return tx
}

func ensure(t *testing.T, tx destinations.Tx, tables ...*schema.Table) {
	t.Helper()
	for _, tb := range tables {
		if err := tx.EnsureTable(ctx(t), tb, nil); err != nil {
			t.Fatalf("ensure table %s: %v", tb.Name, err)
		}
	}
}

func write(t *testing.T, tx destinations.Tx, b *destinations.Batch) {
	t.Helper()
	if err := tx.Write(ctx(t), b); err != nil {
		t.Fatalf("write %s: %v", b.Resource, err)
	}
}

func saveState(t *testing.T, tx destinations.Tx, entries ...state.Entry) {
	t.Helper()
	if err := tx.SaveState(ctx(t), pipeline, entries); err != nil {
		t.Fatalf("save state: %v", err)
	}
}

func commit(t *testing.T, tx destinations.Tx, status string) {
	t.Helper()
	s := destinations.LoadStatus{Status: status}
	if status == "completed" {
		s.Finished = started.Add(time.Minute)
	}
	if err := tx.Commit(ctx(t), s); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

// batch returns a batch of one resource.
func batch(resource string, disp destinations.Disposition, tables ...destinations.TableRows) *destinations.Batch {
	return &destinations.Batch{Resource: resource, Disposition: disp, Tables: tables}
}

func rowsOf(t *schema.Table, rows ...schema.Row) destinations.TableRows {
	return destinations.TableRows{Table: t, Rows: rows}
}

func entry(resource, parent, cursor string) state.Entry {
	return state.Entry{Key: state.Key{Resource: resource, ParentKey: parent}, Cursor: cursor}
}

// quote quotes an identifier for both SQLite and Postgres.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// read returns the rows of table by _pipe_id, with the named columns
// normalized to the Go types of their logical types (see norm).
func read(t *testing.T, db *sqlx.DB, table *schema.Table) map[string]map[string]any {
	t.Helper()
	names := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		names[i] = quote(c.Name)
	}
	q := fmt.Sprintf("SELECT %s FROM %s", strings.Join(names, ", "), quote(table.Name))
	rows, err := db.QueryxContext(ctx(t), q)
	if err != nil {
		t.Fatalf("read %s: %v", table.Name, err)
	}
	defer rows.Close()
	out := map[string]map[string]any{}
	for rows.Next() {
		vals, err := rows.SliceScan()
		if err != nil {
			t.Fatalf("read %s: %v", table.Name, err)
		}
		r := map[string]any{}
		for i, c := range table.Columns {
			r[c.Name] = norm(t, c.Type, vals[i])
		}
		out[r[schema.ColID].(string)] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s: %v", table.Name, err)
	}
	return out
}

// ids returns the sorted _pipe_ids of table.
func ids(t *testing.T, db *sqlx.DB, table string) []string {
	t.Helper()
	var out []string
	if err := db.SelectContext(ctx(t), &out, fmt.Sprintf("SELECT %s FROM %s", quote(schema.ColID), quote(table))); err != nil {
		t.Fatalf("ids of %s: %v", table, err)
	}
	sort.Strings(out)
	return out
}

func count(t *testing.T, db *sqlx.DB, table string) int {
	t.Helper()
	var n int
	if err := db.GetContext(ctx(t), &n, "SELECT count(*) FROM "+quote(table)); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// tableExists reports whether a query of table succeeds.
func tableExists(t *testing.T, db *sqlx.DB, table string) bool {
	t.Helper()
	var n int
	return db.GetContext(ctx(t), &n, "SELECT count(*) FROM "+quote(table)) == nil
}

// norm converts a value read back with database/sql to the Go type of its
// logical type, so that SQLite's and Postgres' drivers compare alike:
// booleans as bool, bigint as int64, double as float64, text as string,
// timestamps as time.Time in UTC, JSON decoded into any.
func norm(t *testing.T, typ schema.Type, v any) any {
	t.Helper()
	if v == nil {
		return nil
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch typ {
	case schema.Boolean:
		switch x := v.(type) {
		case bool:
			return x
		case int64:
			return x != 0
		}
	case schema.Bigint:
		if x, ok := v.(int64); ok {
			return x
		}
	case schema.Double:
		switch x := v.(type) {
		case float64:
			return x
		case int64:
			return float64(x)
		}
	case schema.Text:
		if x, ok := v.(string); ok {
			return x
		}
	case schema.Decimal:
		if x, ok := v.(string); ok {
			return exactNumber(t, x)
		}
	case schema.Timestamp:
		switch x := v.(type) {
		case time.Time:
			return x.UTC()
		case string:
			ts, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				t.Fatalf("timestamp %q: %v", x, err)
			}
			return ts.UTC()
		}
	case schema.JSON:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case json.RawMessage:
			s = string(x)
		case int64:
			s = strconv.FormatInt(x, 10)
		case float64:
			s = strconv.FormatFloat(x, 'g', -1, 64)
		default:
			t.Fatalf("json value of type %T", v)
		}
		var out any
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			t.Fatalf("json %q: %v", s, err)
		}
		return out
	}
	t.Fatalf("%s value read back as %T (%v)", typ, v, v)
	return nil
}

// want normalizes an expected value like norm, timestamps rounded to the
// target's precision.
func want(t *testing.T, tg Target, typ schema.Type, v any) any {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Round(tg.TimePrecision)
	case json.RawMessage:
		return norm(t, typ, string(x))
	case json.Number:
		return norm(t, typ, string(x))
	}
	return v
}

// checkRow compares the named columns of a row read back with expected
// Go values.
func checkRow(t *testing.T, tg Target, table *schema.Table, got map[string]any, id string, kv ...any) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: row %s missing", table.Name, id)
		return
	}
	for i := 0; i+1 < len(kv); i += 2 {
		name := kv[i].(string)
		c, ok := table.Column(name)
		if !ok {
			t.Fatalf("%s has no column %s", table.Name, name)
		}
		w := want(t, tg, c.Type, kv[i+1])
		if !reflect.DeepEqual(got[name], w) {
			t.Errorf("%s: row %s: %s = %#v, want %#v", table.Name, id, name, got[name], w)
		}
	}
}

// tableSchema returns the table named name from Tables.
func tableSchema(t *testing.T, d destinations.Destination, name string) (schema.Table, bool) {
	t.Helper()
	tables, err := d.Tables(ctx(t))
	if err != nil {
		t.Fatalf("tables: %v", err)
	}
	for _, tb := range tables {
		if tb.Name == name {
			return tb, true
		}
	}
	return schema.Table{}, false
}

func equalStrings(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}
