package dbview

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
)

// Table is a data table as last recorded in _pipe_schema.
type Table struct {
	Name    string   `json:"name"`
	Parent  string   `json:"parent"` // the parent table of a child table, "" for a root table
	Columns []Column `json:"columns"`
	// Key is the record's primary key columns (the spec's primary_key);
	// every table is also unique on _pipe_id.
	Key []string `json:"primary_key"`
	// Rows is the number of rows: exact from Count, an estimate from
	// Estimate (RowsExact false), -1 when unknown.
	Rows      int64 `json:"rows"`
	RowsExact bool  `json:"rows_exact"`
}

// Column is one column of a table.
type Column struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Nullable   bool   `json:"nullable"`
	PrimaryKey bool   `json:"primary_key"`
}

// Tables returns the data tables, sorted by name, with Rows -1 (see
// Count and Estimate); none before the first load.
func (v *View) Tables(ctx context.Context) ([]Table, error) {
	if ok, err := v.hasTable(ctx, schemaTable); err != nil || !ok {
		return nil, err
	}
	s := quote(schemaTable)
	rows, err := v.db.QueryContext(ctx, `SELECT s.table_name, s.parent_table, s.columns_json FROM `+s+` s
WHERE s.version = (SELECT max(x.version) FROM `+s+` x WHERE x.table_name = s.table_name)`)
	if err != nil {
		return nil, fmt.Errorf("table %q: %w", schemaTable, err)
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return nil, fmt.Errorf("table %q: %w", schemaTable, err)
	}
	out := make([]Table, 0, len(recs))
	for _, r := range recs {
		t := Table{Name: r.str("table_name"), Parent: r.str("parent_table"), Key: []string{}, Rows: -1}
		if err := json.Unmarshal([]byte(r.str("columns_json")), &t.Columns); err != nil {
			return nil, fmt.Errorf("table %q: %q: columns: %w", schemaTable, t.Name, err)
		}
		for _, c := range t.Columns {
			if c.PrimaryKey {
				t.Key = append(t.Key, c.Name)
			}
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Count sets the exact row count of each table (a COUNT(*) each: for
// the command line, not for every page view of a dashboard).
func (v *View) Count(ctx context.Context, tables []Table) error {
	for i := range tables {
		if err := v.db.GetContext(ctx, &tables[i].Rows, "SELECT count(*) FROM "+quote(tables[i].Name)); err != nil {
			return fmt.Errorf("table %q: count: %w", tables[i].Name, err)
		}
		tables[i].RowsExact = true
	}
	return nil
}

// Estimate sets an estimate of each table's row count that costs no scan:
// SQLite's largest rowid (an index lookup; rows deleted by merges make it
// high), Postgres's live tuple count from its statistics.
func (v *View) Estimate(ctx context.Context, tables []Table) error {
	for i := range tables {
		t := &tables[i]
		var n *int64
		var err error
		switch v.kind {
		case Postgres:
			err = v.db.GetContext(ctx, &n, `SELECT max(n_live_tup) FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = $1`, t.Name)
		default:
			err = v.db.GetContext(ctx, &n, "SELECT max(rowid) FROM "+quote(t.Name))
		}
		if err != nil {
			return fmt.Errorf("table %q: estimate: %w", t.Name, err)
		}
		t.Rows, t.RowsExact = 0, false
		if n != nil {
			t.Rows = *n
		}
	}
	return nil
}

// Children returns the tables by parent name ("" for root tables).
func Children(tables []Table) map[string][]Table {
	m := map[string][]Table{}
	for _, t := range tables {
		m[t.Parent] = append(m[t.Parent], t)
	}
	return m
}
