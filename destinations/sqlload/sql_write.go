package sqlload

import (
	"context"
	"fmt"
	"slices"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// Write writes a batch under its disposition:
//   - append inserts the rows of every record whose root is not stored,
//     skipping rows whose _pipe_id exists (a record repeated within the
//     batch), and leaves a stored record's rows as they are;
//   - merge with a merge_key first deletes the rows earlier loads wrote
//     with the batch's merge_key values (see sql_merge_key.go), then, as
//     every merge, drops the rows of the roots whose stored _pipe_hash equals
//     theirs (unchanged records; see sql_merge_unchanged.go), upserts
//     every other row, leaving rows equal to the existing ones as they
//     are, and deletes the rows of every child table (b.ChildTables and
//     the child tables of the batch) that belong to the batch's existing
//     roots but are not in the batch (see sql_merge_inplace.go);
//   - replace writes every row into the staging table of its table, made
//     on the load's first write to it (see FinishReplace), after deleting
//     the staged child rows of the batch's roots that an earlier batch of
//     the load staged (see sql_replace_again.go).
//
// Rows with the same _pipe_id in one table of a batch are written once:
// the first for append, the last for merge and replace. What the writes
// did is counted per table (RowCounts).
func (x *sqlTx) Write(ctx context.Context, b *destinations.Batch) error {
	if err := x.check(); err != nil {
		return err
	}
	if err := x.write(ctx, b); err != nil {
		return x.errorf(fmt.Errorf("resource %q: %w", b.Resource, err))
	}
	return nil
}

func (x *sqlTx) write(ctx context.Context, b *destinations.Batch) error {
	if len(b.Tables) == 0 {
		return nil
	}
	var conflict Conflict
	switch b.Disposition {
	case destinations.Append:
		conflict = DoNothing
	case destinations.Merge:
		conflict = DoUpdate
	case destinations.Replace:
		if err := x.checkStagedOrigin(ctx, b); err != nil {
			return err
		}
		if err := x.restage(ctx, b); err != nil {
			return err
		}
		for i := range b.Tables {
			if err := x.insert(ctx, &b.Tables[i], true, DoUpdate, nil); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("unknown write disposition %q", b.Disposition)
	}
	if b.Disposition == destinations.Merge && len(b.MergeKey) > 0 {
		if err := x.deleteGroups(ctx, b); err != nil {
			return err
		}
	}
	ids, err := rootIDs(b)
	if err != nil {
		return err
	}
	rootNew, err := x.checkNewRoots(ctx, b, ids)
	if err != nil {
		return err
	}
	var present map[string]int64
	if b.Disposition == destinations.Append && !rootNew {
		if b, err = x.leaveFormer(ctx, b, ids); err != nil {
			return err
		}
		if b, err = x.leaveStored(ctx, b, ids); err != nil {
			return err
		}
	}
	if b.Disposition == destinations.Merge && !rootNew {
		if err := x.deleteFormer(ctx, b, ids); err != nil {
			return err
		}
		if b, present, err = x.mergeExisting(ctx, b, ids); err != nil {
			return err
		}
	}
	for i := range b.Tables {
		if err := x.insert(ctx, &b.Tables[i], false, conflict, present); err != nil {
			return err
		}
	}
	return x.rememberRoots(ctx, b.Tables[0].Table.Name, ids)
}

// leaveStored returns an append batch without the records whose root
// is stored: a record appended before keeps all its rows as they are,
// none added to it, none rewritten.
func (x *sqlTx) leaveStored(ctx context.Context, b *destinations.Batch, ids []any) (*destinations.Batch, error) {
	root := b.Tables[0].Table.Name
	stored, err := x.existingRoots(ctx, root, ids)
	if err != nil || len(stored) == 0 {
		return b, err
	}
	probe, err := x.newOriginProbe(b)
	if err == nil {
		err = x.probeOrigin(ctx, probe, root, stored)
	}
	if err != nil {
		return b, err
	}
	x.remember(probe, nil)
	set := make(map[string]bool, len(stored))
	for _, id := range stored {
		set[id.(string)] = true
	}
	return x.leaveOut(b, func(_ int, r string) bool { return set[r] }), nil
}

// rootIDs returns the _pipe_id of every root row of b.
func rootIDs(b *destinations.Batch) ([]any, error) {
	ids := make([]any, 0, len(b.Tables[0].Rows))
	for _, row := range b.Tables[0].Rows {
		id, ok := row[schema.ColID].(string)
		if !ok || id == "" {
			return nil, fmt.Errorf("table %q: %w", b.Tables[0].Table.Name, destinations.ErrMissingID)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// insert writes the rows of tr into its table, or its staging table, and
// counts them; present holds how many of the batch's rows of each table
// exist (a merge's, see mergeExisting).
func (x *sqlTx) insert(ctx context.Context, tr *destinations.TableRows, staging bool, conflict Conflict, present map[string]int64) error {
	if len(tr.Rows) == 0 {
		return nil
	}
	name := tr.Table.Name
	rec, ok := x.schemas[name]
	if !ok {
		return fmt.Errorf("table %q: %w (EnsureTable it first)", name, destinations.ErrUnknownTable)
	}
	target, action := name, conflict
	if staging {
		var err error
		if target, err = x.ensureStaging(ctx, name); err != nil {
			return fmt.Errorf("table %q: %w", name, err)
		}
	} else if x.keyPending(name) {
		action = Unkeyed // checkNewRoots made sure the keys are new
	} else if err := x.keyFor(ctx, name); err != nil {
		return err
	}
	rows, err := x.encodedRows(tr, &rec.table, conflict)
	if err != nil {
		return fmt.Errorf("table %q: %w", name, err)
	}
	ins := &Insert{Table: target, Columns: rec.table.Columns, Rows: rows, Conflict: action}
	if err := x.ins.Insert(ctx, ins); err != nil {
		return fmt.Errorf("table %q: insert: %w", target, err)
	}
	n, dup, written := int64(len(rows)), int64(len(tr.Rows)-len(rows)), ins.Written
	if staging {
		written = n // a replace's rows are all new to the table it fills
	}
	x.countWrite(name, conflict, n, dup, written, present[name])
	return nil
}

// encodeRows returns the rows' values in t's column order, encoded for d,
// with one row per _pipe_id: the first (DoNothing) or the last (DoUpdate).
//
// It looks each column up in the row rather than ranging over the row:
// ranging over a map cost half of this function's time in profiles.
func encodeRows(d Dialect, t *schema.Table, rows []schema.Row, conflict Conflict) ([][]any, error) {
	ncol := len(t.Columns)
	out := make([][]any, 0, len(rows))
	seen := make(map[string]int, len(rows))
	backing := make([]any, len(rows)*ncol) // one allocation for all values
	for n, row := range rows {
		vals := backing[n*ncol : (n+1)*ncol : (n+1)*ncol]
		found := 0
		for i := range t.Columns {
			c := &t.Columns[i]
			v, ok := row[c.Name]
			if !ok {
				continue
			}
			found++
			if v == nil {
				continue
			}
			v, err := coerce(c.Type, v)
			if err == nil {
				v, err = d.Encode(c.Type, v)
			}
			if err != nil {
				return nil, fmt.Errorf("row %d: column %q: %w", n, c.Name, err)
			}
			vals[i] = v
		}
		if found < len(row) {
			return nil, fmt.Errorf("row %d: column %q: %w", n, unknownColumn(t, row), destinations.ErrUnknownColumn)
		}
		id, ok := row[schema.ColID].(string)
		if !ok || id == "" {
			return nil, fmt.Errorf("row %d: %w", n, destinations.ErrMissingID)
		}
		if j, dup := seen[id]; dup {
			if conflict == DoUpdate {
				out[j] = vals
			}
			continue
		}
		seen[id] = len(out)
		out = append(out, vals)
	}
	return out, nil
}

// unknownColumn returns the first, by name, of row's columns that t lacks.
func unknownColumn(t *schema.Table, row schema.Row) string {
	var names []string
	for k := range row {
		if _, ok := t.Column(k); !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names[0]
}

// childTables names the existing child tables of b's root: b.ChildTables
// and the child tables of the batch.
func (x *sqlTx) childTables(b *destinations.Batch) []string {
	var names []string
	for _, child := range b.ChildTables {
		if _, ok := x.schemas[child]; ok && !contains(names, child) {
			names = append(names, child)
		}
	}
	for _, tr := range b.Tables[1:] {
		if _, ok := x.schemas[tr.Table.Name]; ok && !contains(names, tr.Table.Name) {
			names = append(names, tr.Table.Name)
		}
	}
	return names
}
