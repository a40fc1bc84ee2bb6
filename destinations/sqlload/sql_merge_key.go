package sqlload

import (
	"context"
	"fmt"
	"strings"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// mergeKeyIndexPrefix names the index on a root table's merge_key
// columns: _pipe_mkey__TABLE.
const mergeKeyIndexPrefix = "_pipe_mkey__"

// deleteGroups deletes, before a merge batch with a merge_key
// (Batch.MergeKey) is written, the rows of its root table that earlier
// loads wrote with a merge_key value the batch's root rows hold, and
// their child rows: the load's rows of that value replace them whole, as
// dlt's delete-insert does. Rows this load wrote are kept (their
// _pipe_load_id is the load's), so a value met again in a later batch
// deletes nothing more. Each value is looked for once per load; the
// merge_key columns get an index the first time a load looks.
func (x *sqlTx) deleteGroups(ctx context.Context, b *destinations.Batch) error {
	root := b.Tables[0].Table
	cols := make([]schema.Column, len(b.MergeKey))
	for i, name := range b.MergeKey {
		c, ok := root.Column(name)
		if !ok {
			return fmt.Errorf("table %q: merge_key column %q: %w", root.Name, name, destinations.ErrUnknownColumn)
		}
		cols[i] = c
	}
	groups, err := x.newGroups(root.Name, cols, b.Tables[0].Rows)
	if err != nil || len(groups) == 0 {
		return err
	}
	if err := x.mergeKeyIndex(ctx, root.Name, b.MergeKey); err != nil {
		return err
	}
	ids, err := x.groupRoots(ctx, root.Name, b.MergeKey, groups)
	if err != nil || len(ids) == 0 {
		return err
	}
	return x.deleteRecords(ctx, b, ids, "merge_key")
}

// deleteRecords deletes the stored records of b's root table whose
// _pipe_id is in ids, their rows in every child table first, and counts
// them; why prefixes its errors.
func (x *sqlTx) deleteRecords(ctx context.Context, b *destinations.Batch, ids []any, why string) error {
	for _, t := range batchTables(b)[1:] {
		rec, ok := x.schemas[t]
		if !ok {
			continue
		}
		if err := x.ensureRootIndex(ctx, t, &rec.table); err != nil {
			return fmt.Errorf("table %q: %w", t, err)
		}
		n, err := x.deleteByRoot(ctx, t, ids)
		if err != nil {
			return fmt.Errorf("table %q: %s: delete: %w", t, why, err)
		}
		x.count(t).Deleted += n
	}
	root := b.Tables[0].Table.Name
	n, err := x.deleteByID(ctx, root, ids)
	if err != nil {
		return fmt.Errorf("table %q: %s: delete: %w", root, why, err)
	}
	x.count(root).Deleted += n
	return nil
}

// newGroups returns the merge_key values of rows, encoded for the
// dialect, that the load has not looked for yet, and marks them looked
// for. A row with a NULL among them is in no group.
func (x *sqlTx) newGroups(table string, cols []schema.Column, rows []schema.Row) ([][]any, error) {
	if x.run.groups == nil {
		x.run.groups = map[string]map[string]bool{}
	}
	seen := x.run.groups[table]
	if seen == nil {
		seen = map[string]bool{}
		x.run.groups[table] = seen
	}
	var out [][]any
	for n, row := range rows {
		vals := make([]any, len(cols))
		var key strings.Builder
		for i, c := range cols {
			v := row[c.Name]
			if v == nil {
				vals = nil
				break
			}
			v, err := coerce(c.Type, v)
			if err == nil {
				v, err = x.d.Encode(c.Type, v)
			}
			if err != nil {
				return nil, fmt.Errorf("row %d: merge_key column %q: %w", n, c.Name, err)
			}
			vals[i] = v
			fmt.Fprintf(&key, "%T:%v\x00", v, v)
		}
		if vals == nil || seen[key.String()] {
			continue
		}
		seen[key.String()] = true
		out = append(out, vals)
	}
	return out, nil
}

// mergeKeyIndex creates the index on table's merge_key columns, once per
// transaction.
func (x *sqlTx) mergeKeyIndex(ctx context.Context, table string, cols []string) error {
	if x.mergeKeyed[table] {
		return nil
	}
	if err := x.flush(ctx); err != nil {
		return err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = x.d.Quote(c)
	}
	name := ShortName(mergeKeyIndexPrefix+table, x.d.MaxIdentifierLen())
	if _, err := x.tx.ExecContext(ctx, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
		x.d.Quote(name), x.d.Table(table), strings.Join(quoted, ", "))); err != nil {
		return fmt.Errorf("table %q: index on merge_key: %w", table, err)
	}
	if x.mergeKeyed == nil {
		x.mergeKeyed = map[string]bool{}
	}
	x.mergeKeyed[table] = true
	return nil
}

// groupRoots returns the _pipe_id of the rows of table that hold one of
// groups in cols and that another load wrote.
func (x *sqlTx) groupRoots(ctx context.Context, table string, cols []string, groups [][]any) ([]any, error) {
	if err := x.flush(ctx); err != nil {
		return nil, err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = x.d.Quote(c)
	}
	lhs := strings.Join(quoted, ", ")
	if len(cols) > 1 {
		lhs = "(" + lhs + ")"
	}
	per := max(1, (x.d.MaxParams()-1)/len(cols))
	var found []any
	for start := 0; start < len(groups); start += per {
		chunk := groups[start:min(start+per, len(groups))]
		var args []any
		tuples := make([]string, len(chunk))
		for i, g := range chunk {
			ph := placeholders(x.d, len(args), len(g))
			if len(cols) > 1 {
				ph = "(" + ph + ")"
			}
			tuples[i] = ph
			args = append(args, g...)
		}
		args = append(args, x.load.ID) // last: SQLite's placeholders bind in order
		q := fmt.Sprintf("SELECT %s FROM %s WHERE %s IN (%s) AND (%s IS NULL OR %s <> %s)",
			x.d.Quote(schema.ColID), x.d.Table(table), lhs, strings.Join(tuples, ", "),
			x.d.Quote(schema.ColLoadID), x.d.Quote(schema.ColLoadID), x.d.Placeholder(len(args)))
		var got []string
		if err := x.tx.SelectContext(ctx, &got, q, args...); err != nil {
			return nil, fmt.Errorf("table %q: merge_key: rows of earlier loads: %w", table, err)
		}
		for _, id := range got {
			found = append(found, id)
		}
	}
	return found, nil
}
