package destinations

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/engine/schema"
)

// The index on _pipe_root_id of a child table serves one statement: the
// merge's DELETE of the child rows of roots that are loaded again. A
// child table created by a load gets it at the end of that load (the
// final Commit), not at creation: maintaining it row by row cost a third
// of SQLite's insert time, and building it once is far cheaper. Until
// then a DELETE by root needs it first, so a transaction creates it
// (IF NOT EXISTS) before its first such DELETE on a table; that also
// repairs a table whose load crashed before its final commit.
//
// Merges only delete for roots that already exist in the root table:
// child rows are written in the same batch as their root, and a contract
// that drops a root drops its child rows too (normalize.Rows.Fit), so a
// root that is not in the root table has no child rows. A first load
// therefore deletes nothing and needs no index until it ends.

// deferRootIndex notes that the new child table table has no root index
// yet; the final Commit creates it.
func (x *sqlTx) deferRootIndex(table string, t *schema.Table) {
	if _, ok := t.Column(schema.ColRootID); !ok {
		return
	}
	x.unindexed[table] = true
}

// rootIndex creates the index on _pipe_root_id of a child table, if it
// has that column and the index does not exist yet.
func (x *sqlTx) rootIndex(ctx context.Context, table string, t *schema.Table) error {
	if _, ok := t.Column(schema.ColRootID); !ok {
		return nil
	}
	q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
		x.d.Quote(RootIndexName(table, x.d.MaxIdentifierLen())), x.d.Table(table), x.d.Quote(schema.ColRootID))
	if _, err := x.tx.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("index on %s: %w", schema.ColRootID, err)
	}
	x.indexed[table] = true
	delete(x.unindexed, table)
	return nil
}

// rootIndexPending reports whether table waits for its deferred root index.
func (x *sqlTx) rootIndexPending(table string) bool {
	return x.unindexed[table] || x.s.unindexed[table] && !x.indexed[table]
}

// ensureRootIndex makes sure table has its root index before a DELETE
// by root, once per transaction.
func (x *sqlTx) ensureRootIndex(ctx context.Context, table string, t *schema.Table) error {
	if x.indexed[table] {
		return nil
	}
	return x.rootIndex(ctx, table, t)
}

// pendingRootIndexes returns the child tables whose root index a final
// Commit must create, sorted.
func (x *sqlTx) pendingRootIndexes() []string {
	var out []string
	for t := range x.s.unindexed {
		if !x.indexed[t] && !x.unindexed[t] {
			out = append(out, t)
		}
	}
	for t := range x.unindexed {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// createRootIndexes creates the deferred root indexes of the tables
// that still exist, at the end of a load.
func (x *sqlTx) createRootIndexes(ctx context.Context) error {
	for _, table := range x.pendingRootIndexes() {
		rec, ok := x.schemas[table]
		if !ok {
			continue
		}
		if err := x.rootIndex(ctx, table, &rec.table); err != nil {
			return fmt.Errorf("table %q: %w", table, err)
		}
	}
	return nil
}

// applyRootIndexes records, once the transaction committed, which
// tables still wait for their root index.
func (x *sqlTx) applyRootIndexes() {
	for t := range x.indexed {
		delete(x.s.unindexed, t)
	}
	for t := range x.unindexed {
		x.s.unindexed[t] = true
	}
}

// prepare returns the statement q prepared in this transaction, which
// keeps it until it ends: a page's batch asks the same question with the
// same number of ids as the one before.
func (x *sqlTx) prepare(ctx context.Context, q string) (*sqlx.Stmt, error) {
	if s, ok := x.stmts[q]; ok {
		return s, nil
	}
	s, err := x.tx.PreparexContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(x.stmts) >= maxTxStmts {
		x.closeStmts()
	}
	x.stmts[q] = s
	return s, nil
}

// maxTxStmts bounds the statements a transaction keeps prepared.
const maxTxStmts = 64

func (x *sqlTx) closeStmts() {
	for q, s := range x.stmts {
		_ = s.Close()
		delete(x.stmts, q)
	}
}

// existingRoots returns those of ids that are _pipe_id values of rows of
// the root table, in statements of at most MaxParams ids.
func (x *sqlTx) existingRoots(ctx context.Context, root string, ids []any) ([]any, error) {
	if _, ok := x.schemas[root]; !ok {
		return nil, nil
	}
	var found []any
	per := x.d.MaxParams()
	for start := 0; start < len(ids); start += per {
		chunk := ids[start:min(start+per, len(ids))]
		var b strings.Builder
		fmt.Fprintf(&b, "SELECT %s FROM %s WHERE %s IN (%s)", x.d.Quote(schema.ColID), x.d.Table(root),
			x.d.Quote(schema.ColID), placeholders(x.d, 0, len(chunk)))
		stmt, err := x.prepare(ctx, b.String())
		if err != nil {
			return nil, fmt.Errorf("table %q: existing rows: %w", root, err)
		}
		var got []string
		if err := stmt.SelectContext(ctx, &got, chunk...); err != nil {
			return nil, fmt.Errorf("table %q: existing rows: %w", root, err)
		}
		for _, id := range got {
			found = append(found, id)
		}
	}
	return found, nil
}
