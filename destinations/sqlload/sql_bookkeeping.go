package sqlload

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/state"
)

// bookkeeping describes the bookkeeping tables: columns and primary key.
var bookkeeping = []struct {
	name string
	cols []schema.Column
	pk   []string
}{
	{destinations.LoadsTable, []schema.Column{
		{Name: "load_id", Type: schema.Text},
		{Name: "pipeline", Type: schema.Text},
		{Name: "started_at", Type: schema.Timestamp},
		{Name: "finished_at", Type: schema.Timestamp, Nullable: true},
		{Name: "status", Type: schema.Text},
		{Name: "rows_json", Type: schema.JSON},
		{Name: "error", Type: schema.Text, Nullable: true},
	}, []string{"load_id"}},
	{destinations.StateTable, []schema.Column{
		{Name: "pipeline", Type: schema.Text},
		{Name: "resource", Type: schema.Text},
		{Name: "parent_key", Type: schema.Text},
		{Name: "cursor", Type: schema.Text},
		{Name: "load_id", Type: schema.Text},
		{Name: "updated_at", Type: schema.Timestamp},
	}, []string{"pipeline", "resource", "parent_key"}},
	{destinations.SchemaTable, []schema.Column{
		{Name: "table_name", Type: schema.Text},
		{Name: "version", Type: schema.Bigint},
		{Name: "parent_table", Type: schema.Text},
		{Name: "columns_json", Type: schema.JSON},
		{Name: "load_id", Type: schema.Text},
		{Name: "created_at", Type: schema.Timestamp},
	}, []string{"table_name", "version"}},
}

// createBookkeeping creates the bookkeeping tables that do not exist
// and adds the columns that a table made by an older pipe lacks (such
// as _pipe_loads.error); they are nullable, so old rows stay valid.
func createBookkeeping(ctx context.Context, tx *sqlx.Tx, d Dialect) error {
	for _, b := range bookkeeping {
		have, exists, err := d.ExistingColumns(ctx, tx, b.name)
		if err != nil {
			return fmt.Errorf("table %q: %w", b.name, err)
		}
		if !exists {
			if _, err := tx.ExecContext(ctx, createTableSQL(d, b.name, b.cols, b.pk)); err != nil {
				return fmt.Errorf("table %q: create: %w", b.name, err)
			}
			continue
		}
		for _, c := range b.cols {
			if slices.Contains(have, c.Name) {
				continue
			}
			q := fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", d.Table(b.name), d.Quote(c.Name), d.ColumnType(c.Type))
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("table %q: add column %q: %w", b.name, c.Name, err)
			}
		}
	}
	return nil
}

// createTableSQL is CREATE TABLE with every column nullable except
// _pipe_id and the primary key columns; an empty pk makes a table without
// a primary key (see KeyDeferrer).
func createTableSQL(d Dialect, name string, cols []schema.Column, pk []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (", d.Table(name))
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Quote(c.Name))
		b.WriteByte(' ')
		b.WriteString(d.ColumnType(c.Type))
		if c.Name == schema.ColID || slices.Contains(pk, c.Name) {
			b.WriteString(" NOT NULL")
		}
	}
	if len(pk) > 0 {
		fmt.Fprintf(&b, ", PRIMARY KEY (%s)", quoteList(d, pk))
	}
	b.WriteByte(')')
	return b.String()
}

func quoteList(d Dialect, names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = d.Quote(n)
	}
	return strings.Join(q, ", ")
}

// placeholders returns "p1, p2, ..." for n parameters starting after
// first parameters of the statement.
func placeholders(d Dialect, first, n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = d.Placeholder(first + i + 1)
	}
	return strings.Join(p, ", ")
}

// upsert writes one row into a bookkeeping table, overwriting the
// non-key columns of an existing row with the same key.
func upsert(ctx context.Context, tx *sqlx.Tx, d Dialect, table string, cols, key []string, vals []any) error {
	var update []string
	for _, c := range cols {
		if !contains(key, c) {
			update = append(update, c)
		}
	}
	q := fmt.Sprintf("%s (%s) VALUES (%s) %s", InsertInto(d, table), quoteList(d, cols),
		placeholders(d, 0, len(cols)), d.OnConflict(key, DoUpdate, update))
	if _, err := tx.ExecContext(ctx, q, vals...); err != nil {
		return fmt.Errorf("table %q: upsert: %w", table, err)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// encodeTime is a bookkeeping timestamp as the dialect stores it, to the
// microsecond on every database; the zero time is NULL.
func encodeTime(d Dialect, t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	return d.Encode(schema.Timestamp, t.UTC().Truncate(time.Microsecond))
}

// tableRecord is the latest recorded version of a data table's schema.
type tableRecord struct {
	table   schema.Table
	version int64
}

// columnRecord is one column in _pipe_schema.columns_json.
type columnRecord struct {
	Name       string      `json:"name"`
	Type       schema.Type `json:"type"`
	Nullable   bool        `json:"nullable"`
	PrimaryKey bool        `json:"primary_key,omitempty"`
	Key        string      `json:"key,omitempty"` // absent in records written before keys were
}

// readSchemas returns the latest recorded schema of every data table.
func readSchemas(ctx context.Context, q sqlx.QueryerContext, d Dialect) (map[string]*tableRecord, error) {
	recs := map[string]*tableRecord{}
	if _, exists, err := d.ExistingColumns(ctx, q, destinations.SchemaTable); err != nil || !exists {
		return recs, err
	}
	t := d.Table(destinations.SchemaTable)
	query := fmt.Sprintf(`SELECT s.table_name, s.version, s.parent_table, s.columns_json FROM %s s
WHERE s.version = (SELECT max(v.version) FROM %s v WHERE v.table_name = s.table_name)`, t, t)
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("table %q: select: %w", destinations.SchemaTable, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r       tableRecord
			colJSON string
			cols    []columnRecord
		)
		if err := rows.Scan(&r.table.Name, &r.version, &r.table.Parent, &colJSON); err != nil {
			return nil, fmt.Errorf("table %q: scan: %w", destinations.SchemaTable, err)
		}
		if err := json.Unmarshal([]byte(colJSON), &cols); err != nil {
			return nil, fmt.Errorf("table %q: %q version %d: columns: %w", destinations.SchemaTable, r.table.Name, r.version, err)
		}
		for _, c := range cols {
			r.table.Columns = append(r.table.Columns, schema.Column(c))
		}
		recs[r.table.Name] = &r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("table %q: select: %w", destinations.SchemaTable, err)
	}
	return recs, nil
}

// writeSchema records version of t in _pipe_schema.
func writeSchema(ctx context.Context, tx *sqlx.Tx, d Dialect, t *schema.Table, version int64, loadID string, now time.Time) error {
	cols := make([]columnRecord, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = columnRecord(c)
	}
	colJSON, err := json.Marshal(cols)
	if err != nil {
		return fmt.Errorf("table %q: columns: %w", destinations.SchemaTable, err)
	}
	js, err := d.Encode(schema.JSON, json.RawMessage(colJSON))
	if err != nil {
		return err
	}
	ts, err := encodeTime(d, now)
	if err != nil {
		return err
	}
	return upsert(ctx, tx, d, destinations.SchemaTable,
		[]string{"table_name", "version", "parent_table", "columns_json", "load_id", "created_at"},
		[]string{"table_name", "version"},
		[]any{t.Name, version, t.Parent, js, loadID, ts})
}

// readState returns the cursors of pipeline.
func readState(ctx context.Context, q sqlx.QueryerContext, d Dialect, pipeline string) ([]state.Entry, error) {
	if _, exists, err := d.ExistingColumns(ctx, q, destinations.StateTable); err != nil || !exists {
		return nil, err
	}
	query := fmt.Sprintf(`SELECT resource, parent_key, %s FROM %s WHERE pipeline = %s`,
		d.Quote("cursor"), d.Table(destinations.StateTable), d.Placeholder(1))
	rows, err := q.QueryContext(ctx, query, pipeline)
	if err != nil {
		return nil, fmt.Errorf("table %q: select: %w", destinations.StateTable, err)
	}
	defer rows.Close()
	var out []state.Entry
	for rows.Next() {
		var e state.Entry
		if err := rows.Scan(&e.Resource, &e.ParentKey, &e.Cursor); err != nil {
			return nil, fmt.Errorf("table %q: scan: %w", destinations.StateTable, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("table %q: select: %w", destinations.StateTable, err)
	}
	// Sorted here, not in SQL, so that every database orders bytewise.
	sort.Slice(out, func(i, j int) bool {
		if out[i].Resource != out[j].Resource {
			return out[i].Resource < out[j].Resource
		}
		return out[i].ParentKey < out[j].ParentKey
	})
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func cloneTable(t schema.Table) schema.Table {
	t.Columns = append([]schema.Column(nil), t.Columns...)
	return t
}
