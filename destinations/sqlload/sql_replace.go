package sqlload

import (
	"context"
	"fmt"

	"github.com/pipe-etl/pipe/engine/schema"
)

// hasStaging reports whether this load has a staging table for table.
func (x *sqlTx) hasStaging(table string) bool {
	if x.staged[table] {
		return true
	}
	return !x.unstaged[table] && x.s.staged[table] == x.load.ID
}

// ensureStaging returns the staging table of table for this load,
// creating it with the table's current columns on the load's first
// replace write, after dropping any staging table a crashed load left.
func (x *sqlTx) ensureStaging(ctx context.Context, table string) (string, error) {
	staging := StagingName(table, x.d.MaxIdentifierLen())
	if x.hasStaging(table) {
		return staging, nil
	}
	if _, err := x.tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+x.d.Table(staging)); err != nil {
		return "", fmt.Errorf("staging %q: drop leftover: %w", staging, err)
	}
	x.ins.Forget(staging)
	cols := x.schemas[table].table.Columns
	if _, err := x.tx.ExecContext(ctx, createTableSQL(x.d, staging, cols, []string{schema.ColID})); err != nil {
		return "", fmt.Errorf("staging %q: create: %w", staging, err)
	}
	x.staged[table] = true
	delete(x.unstaged, table)
	return staging, nil
}

// FinishReplace swaps the staging table of each named table into place
// and empties the named tables that got no rows in this load, all within
// the transaction: readers see the old rows until Commit, then the new
// ones. Names of tables that were never created are skipped.
func (x *sqlTx) FinishReplace(ctx context.Context, tables []string) error {
	if err := x.check(); err != nil {
		return err
	}
	if err := x.flush(ctx); err != nil {
		return x.errorf(err)
	}
	for _, table := range tables {
		if err := x.finishReplace(ctx, table); err != nil {
			return x.errorf(fmt.Errorf("table %q: replace: %w", table, err))
		}
	}
	return nil
}

func (x *sqlTx) finishReplace(ctx context.Context, table string) error {
	rec, ok := x.schemas[table]
	if !ok {
		return nil
	}
	if !x.hasStaging(table) {
		if _, err := x.tx.ExecContext(ctx, "DELETE FROM "+x.d.Table(table)); err != nil {
			return fmt.Errorf("empty: %w", err)
		}
		return nil
	}
	staging := StagingName(table, x.d.MaxIdentifierLen())
	x.ins.Forget(table)
	x.ins.Forget(staging)
	if err := x.d.SwapTable(ctx, x.tx, table, staging); err != nil {
		return fmt.Errorf("swap %q: %w", staging, err)
	}
	delete(x.staged, table)
	x.unstaged[table] = true
	b := x.built[table]
	b.key, b.final = true, true // the staging table's, now the table's
	x.built[table] = b
	return x.rootIndex(ctx, table, &rec.table)
}
