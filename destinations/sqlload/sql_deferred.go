package sqlload

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// A data table created by a load gets its indexes at the end of that
// load (the final Commit) rather than at creation: its unique key on
// _pipe_id (when the Dialect is a KeyDeferrer) and, for a child table,
// the index on _pipe_root_id that the merge's DELETE of child rows uses.
// Maintaining them row by row, with ids that are hashes and so land all
// over each index, was most of SQLite's insert time; building them once
// by sorting is far cheaper, and the rows go in as plain INSERTs (for
// Postgres, a COPY straight into the table).
//
// Without its key a table cannot resolve conflicts, so a load writes to
// it only rows whose _pipe_id is new. Child ids derive from their root's
// (normalize), so it suffices that a batch's roots are new: the root
// table's idFilter, or its key index when the root table has one, tells.
// When a root may be loaded again (a true or false positive, checked
// against the root table), the load builds the deferred keys of the
// root's tables first and goes on with upserts as usual.
//
// Merges only delete child rows of roots that already exist in the root
// table: child rows are written in the same batch as their root, and a
// contract that drops a root drops its child rows too (normalize.Rows.
// Fit), so a root that is not in the root table has no child rows. A
// first load therefore deletes nothing and needs no root index until it
// ends; a DELETE by root creates the index first (IF NOT EXISTS), which
// also repairs a table whose load crashed before its final commit, as
// keyFor does for the key.

// deferred is what a table created by this destination still lacks.
type deferred struct {
	noKey bool      // any unique key on _pipe_id, so upserts must wait
	final bool      // the key the load ends with (see KeyDeferrer.AddKey)
	root  bool      // the index on _pipe_root_id
	ids   *idFilter // with noKey, for a root table: the ids written (and maybe more)
}

// built is which deferred indexes a transaction built.
type built struct{ key, final, root bool }

// pending returns what table still lacks, as this transaction sees it,
// or nil.
func (x *sqlTx) pending(table string) *deferred {
	d := x.created[table]
	if d == nil {
		d = x.s.deferred[table]
	}
	if d == nil {
		return nil
	}
	b := x.built[table]
	if (!d.noKey || b.key || b.final) && (!d.final || b.final) && (!d.root || b.root) {
		return nil
	}
	return d
}

// keyPending reports whether table has no key yet.
func (x *sqlTx) keyPending(table string) bool {
	d, b := x.pending(table), x.built[table]
	return d != nil && d.noKey && !b.key && !b.final
}

// finalKeyPending reports whether table waits for its final key.
func (x *sqlTx) finalKeyPending(table string) bool {
	d := x.pending(table)
	return d != nil && d.final && !x.built[table].final
}

// rootIndexPending reports whether table waits for its root index.
func (x *sqlTx) rootIndexPending(table string) bool {
	d := x.pending(table)
	return d != nil && d.root && !x.built[table].root
}

// keyDeferrer returns the dialect's KeyDeferrer, or nil.
func (x *sqlTx) keyDeferrer() KeyDeferrer {
	k, _ := x.d.(KeyDeferrer)
	return k
}

// createDataTable creates the data table table with next's columns,
// deferring its indexes (see above).
func (x *sqlTx) createDataTable(ctx context.Context, table string, next *schema.Table) error {
	d := &deferred{}
	q := createTableSQL(x.d, table, next.Columns, []string{schema.ColID})
	if x.keyDeferrer() != nil {
		q = createTableSQL(x.d, table, next.Columns, nil)
		d.noKey, d.final = true, true
		if next.Parent == "" {
			d.ids = newIDFilter()
		}
	}
	if _, ok := next.Column(schema.ColRootID); ok {
		d.root = true
	}
	if _, err := x.tx.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if d.final || d.root {
		x.created[table] = d
	}
	return nil
}

// buildKey gives table its deferred unique key, the final one at the
// end of the load.
func (x *sqlTx) buildKey(ctx context.Context, table string, final bool) error {
	if err := x.flush(ctx); err != nil {
		return err
	}
	if err := x.keyDeferrer().AddKey(ctx, x.tx, table, final); err != nil {
		return fmt.Errorf("table %q: key on %s: %w", table, schema.ColID, err)
	}
	b := x.built[table]
	b.key = true
	b.final = b.final || final
	x.built[table] = b
	x.s.log.Info("key built", "destination", x.d.Name(), "table", table)
	return nil
}

// keyFor makes sure, once per table and destination, that a table this
// destination did not create has its key, as a load that crashed before
// its end may leave it without one.
func (x *sqlTx) keyFor(ctx context.Context, table string) error {
	k := x.keyDeferrer()
	if k == nil || x.s.keyed[table] || x.built[table].final || x.pending(table) != nil {
		return nil
	}
	has, err := k.HasKey(ctx, x.tx, table)
	if err != nil {
		return fmt.Errorf("table %q: key: %w", table, err)
	}
	if !has {
		return x.buildKey(ctx, table, true)
	}
	x.s.keyed[table] = true
	return nil
}

// rootIndex creates the index on _pipe_root_id of a child table, if it
// has that column and the index does not exist yet.
func (x *sqlTx) rootIndex(ctx context.Context, table string, t *schema.Table) error {
	if _, ok := t.Column(schema.ColRootID); !ok {
		return nil
	}
	if err := x.flush(ctx); err != nil {
		return err
	}
	name := RootIndexName(table, x.d.MaxIdentifierLen())
	var err error
	if ib, ok := x.d.(IndexBuilder); ok {
		err = ib.CreateIndex(ctx, x.tx, table, name, schema.ColRootID)
	} else {
		_, err = x.tx.ExecContext(ctx, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
			x.d.Quote(name), x.d.Table(table), x.d.Quote(schema.ColRootID)))
	}
	if err != nil {
		return fmt.Errorf("index on %s: %w", schema.ColRootID, err)
	}
	b := x.built[table]
	b.root = true
	x.built[table] = b
	return nil
}

// ensureRootIndex makes sure table has its root index before a DELETE
// by root, once per transaction.
func (x *sqlTx) ensureRootIndex(ctx context.Context, table string, t *schema.Table) error {
	if x.built[table].root {
		return nil
	}
	return x.rootIndex(ctx, table, t)
}

// checkNewRoots prepares a non-replace batch for tables without their
// key: when a root of the batch may have been written before, it builds
// the deferred keys of the root's tables, so that the writes go on as
// upserts. It returns whether the root table still has no key, in which
// case its roots are new.
func (x *sqlTx) checkNewRoots(ctx context.Context, b *destinations.Batch, ids []any) (rootNew bool, err error) {
	root := b.Tables[0].Table.Name
	tables := batchTables(b)
	var pending []string
	for _, t := range tables {
		if x.keyPending(t) {
			pending = append(pending, t)
		}
	}
	if len(pending) == 0 {
		return false, nil
	}
	var again []any
	if x.keyPending(root) {
		maybe := ids // a keyless table without a filter: scan for them all
		if f := x.pending(root).ids; f != nil {
			maybe = nil
			for _, id := range ids {
				if f.mayContain(id.(string)) {
					maybe = append(maybe, id)
				}
			}
		}
		if len(maybe) > 0 { // a table scan, rare: ids repeat or the filter erred
			if again, err = x.existingRoots(ctx, root, maybe); err != nil {
				return false, err
			}
		}
	} else if again, err = x.existingRoots(ctx, root, ids); err != nil {
		return false, err
	}
	if len(again) == 0 {
		return x.keyPending(root), nil
	}
	for _, t := range pending {
		if err := x.buildKey(ctx, t, false); err != nil {
			return false, err
		}
	}
	return false, nil
}

// rememberRoots adds the batch's root ids to the root table's filter
// while the table has no key; when the filter is full it builds the key,
// which then tells new roots from old ones.
func (x *sqlTx) rememberRoots(ctx context.Context, root string, ids []any) error {
	if !x.keyPending(root) {
		return nil
	}
	f := x.pending(root).ids
	if f == nil || !f.room(len(ids)) {
		return x.buildKey(ctx, root, false)
	}
	for _, id := range ids {
		f.add(id.(string))
	}
	return nil
}

// batchTables names the batch's tables and the known child tables of
// its root, root first.
func batchTables(b *destinations.Batch) []string {
	out := make([]string, 0, len(b.Tables)+len(b.ChildTables))
	for _, tr := range b.Tables {
		out = append(out, tr.Table.Name)
	}
	for _, c := range b.ChildTables {
		if !contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// buildDeferred builds, at the end of a load, every deferred index of
// the tables that still exist: keys first, then root indexes.
func (x *sqlTx) buildDeferred(ctx context.Context) error {
	names := map[string]bool{}
	for t := range x.s.deferred {
		names[t] = true
	}
	for t := range x.created {
		names[t] = true
	}
	sorted := make([]string, 0, len(names))
	for t := range names {
		sorted = append(sorted, t)
	}
	sort.Strings(sorted)
	for _, table := range sorted {
		rec, ok := x.schemas[table]
		if !ok {
			continue
		}
		if x.finalKeyPending(table) {
			if err := x.buildKey(ctx, table, true); err != nil {
				return err
			}
		}
		if x.rootIndexPending(table) {
			if err := x.rootIndex(ctx, table, &rec.table); err != nil {
				return fmt.Errorf("table %q: %w", table, err)
			}
		}
	}
	return nil
}

// applyDeferred records, once the transaction committed, what its
// tables still lack.
func (x *sqlTx) applyDeferred() {
	for t, d := range x.created {
		x.s.deferred[t] = d
	}
	for t, b := range x.built {
		if b.final {
			x.s.keyed[t] = true
		}
		d := x.s.deferred[t]
		if d == nil {
			continue
		}
		if b.key || b.final {
			d.noKey, d.ids = false, nil
		}
		if b.final {
			d.final = false
		}
		if b.root {
			d.root = false
		}
		if !d.noKey && !d.final && !d.root {
			delete(x.s.deferred, t)
		}
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
	return x.storedIDs(ctx, root, ids)
}

// storedIDs returns the ids of ids that table holds as _pipe_id.
func (x *sqlTx) storedIDs(ctx context.Context, root string, ids []any) ([]any, error) {
	if err := x.flush(ctx); err != nil {
		return nil, err
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
