package sqlload

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// EnsureTable creates t or brings the existing table (and its staging
// table, if this load has one) to t: it adds missing columns and widens
// columns whose recorded type t widens, then records a new version in
// _pipe_schema if anything changed.
//
// The DDL is derived from t and the recorded schema; changes is not needed
// for it. Columns recorded earlier but missing from t are kept, and a type
// narrower than the recorded one (a stale t) keeps the recorded type.
func (x *sqlTx) EnsureTable(ctx context.Context, t *schema.Table, changes []schema.Change) error {
	if err := x.check(); err != nil {
		return err
	}
	if err := x.ensureTable(ctx, t); err != nil {
		return x.errorf(fmt.Errorf("table %q: %w", t.Name, err))
	}
	x.s.log.Debug("table ensured", "destination", x.d.Name(), "table", t.Name, "changes", len(changes))
	return nil
}

func (x *sqlTx) ensureTable(ctx context.Context, t *schema.Table) error {
	if err := x.flush(ctx); err != nil {
		return err
	}
	if err := x.checkNames(t); err != nil {
		return err
	}
	rec := x.schemas[t.Name]
	next, ws, err := evolve(rec, t)
	if err != nil {
		return err
	}
	if err := x.alter(ctx, t.Name, next, ws, true); err != nil {
		return err
	}
	if x.hasStaging(t.Name) {
		staging := StagingName(t.Name, x.d.MaxIdentifierLen())
		if err := x.alter(ctx, staging, next, ws, false); err != nil {
			return fmt.Errorf("staging %q: %w", staging, err)
		}
	}
	if rec != nil && sameTable(rec.table, *next) {
		return nil
	}
	version := int64(1)
	if rec != nil {
		version = rec.version + 1
	}
	if err := writeSchema(ctx, x.tx, x.d, next, version, x.load.ID, x.s.now()); err != nil {
		return err
	}
	x.schemas[t.Name] = &tableRecord{table: *next, version: version}
	return nil
}

// checkNames guards identifier lengths and the _pipe_id column.
func (x *sqlTx) checkNames(t *schema.Table) error {
	max := x.d.MaxIdentifierLen()
	if err := CheckIdentifier(t.Name, max); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, c := range t.Columns {
		if err := CheckIdentifier(c.Name, max); err != nil {
			return fmt.Errorf("column: %w", err)
		}
		if seen[c.Name] {
			return fmt.Errorf("column %q: listed twice", c.Name)
		}
		seen[c.Name] = true
	}
	if !seen[schema.ColID] {
		return fmt.Errorf("%w: no such column", destinations.ErrMissingID)
	}
	return nil
}

// evolve returns the schema that results from applying t to the recorded
// rec (nil for a new table), and the columns whose type widens.
func evolve(rec *tableRecord, t *schema.Table) (*schema.Table, []Widening, error) {
	next := cloneTable(*t)
	if rec == nil {
		return &next, nil, nil
	}
	if next.Parent == "" {
		next.Parent = rec.table.Parent
	}
	var ws []Widening
	for i, c := range next.Columns {
		old, ok := rec.table.Column(c.Name)
		if !ok || old.Type == c.Type {
			continue
		}
		switch {
		case widenable(old.Type, c.Type):
			ws = append(ws, Widening{Column: c, From: old.Type})
		case widenable(c.Type, old.Type):
			next.Columns[i].Type = old.Type
		default:
			return nil, nil, fmt.Errorf("column %q: %w: %s to %s", c.Name, destinations.ErrTypeChange, old.Type, c.Type)
		}
	}
	for _, old := range rec.table.Columns {
		if _, ok := next.Column(old.Name); !ok {
			next.Columns = append(next.Columns, old)
		}
	}
	return &next, ws, nil
}

// alter creates table with next's columns or adds the missing ones, then
// widens ws. index says whether a child table gets its _pipe_root_id index
// (staging tables do not): a new table at the end of the load (see
// sql_deferred.go), an existing one now unless that is still pending.
func (x *sqlTx) alter(ctx context.Context, table string, next *schema.Table, ws []Widening, index bool) error {
	have, exists, err := x.d.ExistingColumns(ctx, x.tx, table)
	if err != nil {
		return fmt.Errorf("columns: %w", err)
	}
	x.ins.Forget(table)
	if !exists {
		if !index { // a staging table
			if _, err := x.tx.ExecContext(ctx, createTableSQL(x.d, table, next.Columns, []string{schema.ColID})); err != nil {
				return fmt.Errorf("create: %w", err)
			}
		} else if err := x.createDataTable(ctx, table, next); err != nil {
			return err
		}
		x.s.log.Info("table created", "destination", x.d.Name(), "table", table, "columns", len(next.Columns))
		return nil
	}
	haveSet := map[string]bool{}
	for _, c := range have {
		haveSet[c] = true
	}
	if !haveSet[schema.ColID] {
		// Every table pipe makes has _pipe_id: this one is another
		// program's, named as the resource's table would be (--dest at an
		// application's own database). Adding columns and rows to it would
		// change that program's data.
		return fmt.Errorf("%w: it exists without a %s column, so pipe did not make it and does not change it: load into another dataset or file, or give the resource another table_name", destinations.ErrForeignTable, schema.ColID)
	}
	for _, c := range next.Columns {
		if haveSet[c.Name] {
			continue
		}
		q := fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", x.d.Table(table), x.d.Quote(c.Name), x.d.ColumnType(c.Type))
		if _, err := x.tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("add column %q: %w", c.Name, err)
		}
		x.s.log.Info("column added", "destination", x.d.Name(), "table", table, "column", c.Name, "type", c.Type)
	}
	if len(ws) > 0 {
		if x.keyPending(table) { // a rebuild keeps or makes a key: build it first
			if err := x.buildKey(ctx, table, false); err != nil {
				return err
			}
		}
		if err := x.checkExactWidening(ctx, table, ws); err != nil {
			return err
		}
		if err := x.d.WidenColumns(ctx, x.tx, table, next, ws); err != nil {
			return fmt.Errorf("widen: %w", err)
		}
		for _, w := range ws {
			x.s.log.Info("column widened", "destination", x.d.Name(), "table", table, "column", w.Column.Name,
				"from", w.From, "to", w.Column.Type)
		}
	}
	if index && !x.rootIndexPending(table) {
		return x.rootIndex(ctx, table, next)
	}
	return nil
}

func sameTable(a, b schema.Table) bool {
	if a.Name != b.Name || a.Parent != b.Parent || len(a.Columns) != len(b.Columns) {
		return false
	}
	for i := range a.Columns {
		if a.Columns[i] != b.Columns[i] {
			return false
		}
	}
	return true
}

// checkExactWidening refuses to widen a bigint column to double when it
// holds an integer a double cannot hold exactly (beyond ±2^53): the
// widening would round it.
func (x *sqlTx) checkExactWidening(ctx context.Context, table string, ws []Widening) error {
	for _, w := range ws {
		if w.From != schema.Bigint || w.Column.Type != schema.Double {
			continue
		}
		col := x.d.Quote(w.Column.Name)
		q := fmt.Sprintf("SELECT %s FROM %s WHERE %s > %d OR %s < -%d LIMIT 1", col, x.d.Table(table), col, schema.MaxExactInt, col, schema.MaxExactInt)
		var v int64
		switch err := x.tx.QueryRowxContext(ctx, q).Scan(&v); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("column %q: %w", w.Column.Name, err)
		default:
			return schema.InexactError(w.Column.Name, v)
		}
	}
	return nil
}
