package sqlload

import (
	"context"
	"fmt"
	"strings"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// A merge into existing tables updates the rows it finds in place
// rather than deleting a merged root's child rows and inserting them
// again. Child ids derive from the root's id, the list and the position
// (normalize), so a record merged again gives its child rows the ids
// they had: upserts find them and leave them as they are when nothing
// but the load id changed (OnConflictClause), or rewrite them where they
// are. The indexes on _pipe_id and _pipe_root_id are only read, never
// written (an upsert's SET leaves out the key, the parent and the root
// id, which an id determines), and a record that did not change costs
// reads only: no page is dirtied, nothing goes to the WAL. The
// conflicting row keeps its _pipe_load_id, which therefore names the
// load that last inserted or changed a row.
//
// What the upserts do not reach are the child rows of a merged root that
// the record no longer has (a list got shorter or went away). Before the
// upserts, mergeExisting reads the ids of the existing roots' rows in
// each child table (through the _pipe_root_id index) and deletes those
// the batch does not have; a child table the batch has no rows for loses
// every row of those roots. A batch holds every row of each of its
// records, so this is exact however often a load merges the same root.
// The ids read also tell how many of the batch's rows exist already,
// which with the rows the upserts wrote (Insert.Written) splits them
// into inserted, updated and unchanged without another scan.

// mergeExisting prepares a merge of b, some of whose roots may exist: it
// leaves out the rows of the roots stored unchanged (skipUnchanged),
// deletes the child rows of the other existing roots that b no longer
// has, and returns the batch left to write and, per table, how many of
// its distinct ids exist (nil when no root does).
func (x *sqlTx) mergeExisting(ctx context.Context, b *destinations.Batch, ids []any) (*destinations.Batch, map[string]int64, error) {
	root := b.Tables[0].Table.Name
	probe, err := x.newOriginProbe(b)
	if err != nil {
		return b, nil, err
	}
	again, stored, err := x.storedRoots(ctx, root, ids, probe)
	if err != nil || len(again) == 0 {
		return b, nil, err
	}
	var shaped map[string]bool
	b, again, shaped = x.skipUnchanged(b, again, stored)
	x.remember(probe, writtenRoots(stored, again))
	if len(again) == 0 {
		return b, nil, nil
	}
	// The cache serves the roots left: their child rows are read or upserted.
	if err := x.tuneMerge(ctx, len(again)); err != nil {
		return b, nil, err
	}
	present, err := x.clearStale(ctx, b, again, shaped)
	return b, present, err
}

// writtenRoots returns the existing roots a merge writes, again after
// skipUnchanged, or nil when the merge has no fingerprints to leave
// roots out by: its upserts then leave every unchanged row as stored.
func writtenRoots(stored map[string]string, again []any) map[string]bool {
	if stored == nil {
		return nil
	}
	out := make(map[string]bool, len(again))
	for _, id := range again {
		out[id.(string)] = true
	}
	return out
}

// clearStale deletes the child rows of the existing roots again that b
// does not have, and returns per table how many of b's distinct ids
// exist. The roots shaped have the child rows b has (skipUnchanged):
// their child ids are not read.
func (x *sqlTx) clearStale(ctx context.Context, b *destinations.Batch, again []any, shaped map[string]bool) (map[string]int64, error) {
	root := b.Tables[0].Table.Name
	present := map[string]int64{root: int64(len(again))}
	if len(shaped) > 0 {
		for t, n := range shapedPresent(b, shaped) {
			present[t] += n
		}
		var reread []any
		for _, id := range again {
			if !shaped[id.(string)] {
				reread = append(reread, id)
			}
		}
		if again = reread; len(again) == 0 {
			return present, nil
		}
	}
	batch := map[string]map[string]bool{}
	for _, tr := range b.Tables[1:] {
		set := batch[tr.Table.Name]
		if set == nil {
			set = make(map[string]bool, len(tr.Rows))
			batch[tr.Table.Name] = set
		}
		for _, row := range tr.Rows {
			if id, ok := row[schema.ColID].(string); ok {
				set[id] = true
			}
		}
	}
	for _, child := range x.childTables(b) {
		rec := x.schemas[child]
		if _, ok := rec.table.Column(schema.ColRootID); !ok {
			return nil, fmt.Errorf("child table %q: no %s column", child, schema.ColRootID)
		}
		if err := x.ensureRootIndex(ctx, child, &rec.table); err != nil {
			return nil, fmt.Errorf("child table %q: %w", child, err)
		}
		keep := batch[child]
		if len(keep) == 0 {
			n, err := x.deleteByRoot(ctx, child, again)
			if err != nil {
				return nil, fmt.Errorf("child table %q: delete: %w", child, err)
			}
			x.count(child).Deleted += n
			continue
		}
		old, err := x.childIDs(ctx, child, again)
		if err != nil {
			return nil, fmt.Errorf("child table %q: existing rows: %w", child, err)
		}
		var stale []any
		for _, id := range old {
			if keep[id] {
				present[child]++
			} else {
				stale = append(stale, id)
			}
		}
		n, err := x.deleteByID(ctx, child, stale)
		if err != nil {
			return nil, fmt.Errorf("child table %q: delete: %w", child, err)
		}
		x.count(child).Deleted += n
	}
	return present, nil
}

// tuneMerge counts roots, existing roots found by a merge, and applies
// the dialect's merge settings once per transaction when the load has
// found MergeTuneRoots of them (MergeTuner).
func (x *sqlTx) tuneMerge(ctx context.Context, roots int) error {
	m, ok := x.d.(MergeTuner)
	if !ok || x.mergeTuned {
		return nil
	}
	x.run.merged += roots
	if x.run.merged < MergeTuneRoots {
		return nil
	}
	if err := m.BeforeMerge(ctx, x.tx); err != nil {
		return fmt.Errorf("merge settings: %w", err)
	}
	x.mergeTuned = true
	return nil
}

// childIDs returns the _pipe_id of the rows of table whose _pipe_root_id
// is in roots, in statements of at most MaxParams roots.
func (x *sqlTx) childIDs(ctx context.Context, table string, roots []any) ([]string, error) {
	var out []string
	per := x.d.MaxParams()
	for start := 0; start < len(roots); start += per {
		chunk := roots[start:min(start+per, len(roots))]
		q := fmt.Sprintf("SELECT %s FROM %s WHERE %s IN (%s)", x.d.Quote(schema.ColID), x.d.Table(table),
			x.d.Quote(schema.ColRootID), placeholders(x.d, 0, len(chunk)))
		stmt, err := x.prepare(ctx, q)
		if err != nil {
			return nil, err
		}
		var got []string
		if err := stmt.SelectContext(ctx, &got, chunk...); err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// deleteByID deletes the rows of table whose _pipe_id is in ids, in
// statements of at most MaxParams ids, and returns how many it deleted.
func (x *sqlTx) deleteByID(ctx context.Context, table string, ids []any) (int64, error) {
	return x.deleteIn(ctx, table, schema.ColID, ids)
}

// deleteByRoot deletes the rows of table whose _pipe_root_id is in ids
// and returns how many it deleted.
func (x *sqlTx) deleteByRoot(ctx context.Context, table string, ids []any) (int64, error) {
	return x.deleteIn(ctx, table, schema.ColRootID, ids)
}

// deleteIn deletes the rows of table whose column is in vals, in
// statements of at most MaxParams values, and returns how many it
// deleted.
func (x *sqlTx) deleteIn(ctx context.Context, table, column string, vals []any) (int64, error) {
	if len(vals) == 0 {
		return 0, nil
	}
	if err := x.flush(ctx); err != nil {
		return 0, err
	}
	var deleted int64
	per := x.d.MaxParams()
	for start := 0; start < len(vals); start += per {
		chunk := vals[start:min(start+per, len(vals))]
		var b strings.Builder
		fmt.Fprintf(&b, "DELETE FROM %s WHERE %s IN (%s)", x.d.Table(table), x.d.Quote(column),
			placeholders(x.d, 0, len(chunk)))
		res, err := x.tx.ExecContext(ctx, b.String(), chunk...)
		if err != nil {
			return deleted, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return deleted, err
		}
		deleted += n
	}
	return deleted, nil
}

// count returns the counts of table in this transaction.
func (x *sqlTx) count(table string) *destinations.RowCounts {
	c := x.counts[table]
	if c == nil {
		c = &destinations.RowCounts{}
		x.counts[table] = c
	}
	return c
}

var _ destinations.RowCounter = (*sqlTx)(nil)

// RowCounts returns what this transaction's writes did to each table's
// rows (destinations.RowCounter).
func (x *sqlTx) RowCounts() map[string]destinations.RowCounts {
	out := make(map[string]destinations.RowCounts, len(x.counts))
	for t, c := range x.counts {
		out[t] = *c
	}
	return out
}

// countWrite counts the n distinct rows of one table an Insert wrote
// written of, present of which existed before, and the dup rows
// encodeRows dropped as repeated ids in the batch.
func (x *sqlTx) countWrite(table string, conflict Conflict, n, dup, written, present int64) {
	c := x.count(table)
	inserted := n - present
	if conflict == DoNothing {
		inserted = written
	}
	c.Inserted += inserted
	c.Updated += written - inserted
	c.Unchanged += n - written
	if conflict == DoNothing {
		c.Unchanged += dup
	} else {
		c.Updated += dup
	}
}
