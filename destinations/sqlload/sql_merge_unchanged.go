package sqlload

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// A root table of a merged resource holds in _pipe_hash a fingerprint of
// each record (normalize, fingerprint.go): its JSON, its extra columns
// and the resource's normalization settings, everything that decides the
// rows a record produces. A merge reads the stored fingerprints with the
// ids of the batch's existing roots (storedRoots) and leaves out every
// row of a root whose fingerprint it finds unchanged (skipUnchanged),
// root and descendants, before any child id is read or any row upserted:
// those rows are as the load would write them, since the last write of
// that root wrote all its rows with that fingerprint in one transaction.
// A root whose fingerprint differs or is NULL (a row written before the
// column existed) takes the full path, which stores the new fingerprint;
// but when only the content half differs and the shape half (the ids of
// the record's child rows) is the one stored, the root has exactly the
// child rows the batch has: none is stale, all exist, and the merge
// upserts them without reading the root's child ids first.

// storedRoots returns those of ids that are _pipe_id values of rows of
// the root table, and the stored _pipe_hash of those that have one (nil
// when the table has no such column), in statements of at most MaxParams
// ids.
func (x *sqlTx) storedRoots(ctx context.Context, root string, ids []any) ([]any, map[string]string, error) {
	rec, ok := x.schemas[root]
	if !ok {
		return nil, nil, nil
	}
	if _, ok := rec.table.Column(schema.ColHash); !ok {
		again, err := x.existingRoots(ctx, root, ids)
		return again, nil, err
	}
	if err := x.flush(ctx); err != nil {
		return nil, nil, err
	}
	var found []any
	stored := make(map[string]string, len(ids))
	per := x.d.MaxParams()
	for start := 0; start < len(ids); start += per {
		chunk := ids[start:min(start+per, len(ids))]
		var b strings.Builder
		fmt.Fprintf(&b, "SELECT %s, %s FROM %s WHERE %s IN (%s)", x.d.Quote(schema.ColID), x.d.Quote(schema.ColHash),
			x.d.Table(root), x.d.Quote(schema.ColID), placeholders(x.d, 0, len(chunk)))
		stmt, err := x.prepare(ctx, b.String())
		if err != nil {
			return nil, nil, fmt.Errorf("table %q: existing rows: %w", root, err)
		}
		rows, err := stmt.QueryContext(ctx, chunk...)
		if err != nil {
			return nil, nil, fmt.Errorf("table %q: existing rows: %w", root, err)
		}
		for rows.Next() {
			var id string
			var h sql.NullString
			if err := rows.Scan(&id, &h); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("table %q: existing rows: %w", root, err)
			}
			found = append(found, id)
			if h.Valid {
				stored[id] = h.String
			}
		}
		if err := rows.Close(); err != nil {
			return nil, nil, fmt.Errorf("table %q: existing rows: %w", root, err)
		}
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("table %q: existing rows: %w", root, err)
		}
	}
	return found, stored, nil
}

// hashShape is where the shape half of a _pipe_hash starts: the
// fingerprint of the tables and ids of the record's child rows.
const hashShape = 32

// skipUnchanged returns b without the rows of the roots whose every
// occurrence in b has the fingerprint stored for them, again without
// those roots, and the roots left whose every occurrence has the stored
// shape (the second half of the fingerprint: the same child row ids);
// the rows left out count as unchanged. b itself is not changed (the
// engine reuses it): a batch with rows left out is a new one, sharing
// the rows.
func (x *sqlTx) skipUnchanged(b *destinations.Batch, again []any, stored map[string]string) (*destinations.Batch, []any, map[string]bool) {
	if len(stored) == 0 {
		return b, again, nil
	}
	type match struct{ all, shape bool }
	found := make(map[string]match, len(stored))
	for _, row := range b.Tables[0].Rows {
		id, _ := row[schema.ColID].(string)
		h, _ := row[schema.ColHash].(string)
		s, ok := stored[id]
		m := match{all: ok && h != "" && h == s}
		m.shape = ok && len(h) > hashShape && len(s) == len(h) && h[hashShape:] == s[hashShape:]
		if was, seen := found[id]; seen {
			m.all, m.shape = m.all && was.all, m.shape && was.shape
		}
		found[id] = m
	}
	skip := make(map[string]bool, len(found))
	var shaped map[string]bool
	for id, m := range found {
		switch {
		case m.all:
			skip[id] = true
		case m.shape:
			if shaped == nil {
				shaped = map[string]bool{}
			}
			shaped[id] = true
		}
	}
	if len(skip) == 0 {
		return b, again, shaped
	}
	out := *b
	out.Tables = make([]destinations.TableRows, len(b.Tables))
	for i, tr := range b.Tables {
		key := schema.ColRootID
		if i == 0 {
			key = schema.ColID
		}
		kept := make([]schema.Row, 0, len(tr.Rows))
		for _, row := range tr.Rows {
			if id, _ := row[key].(string); !skip[id] {
				kept = append(kept, row)
			}
		}
		x.count(tr.Table.Name).Unchanged += int64(len(tr.Rows) - len(kept))
		tr.Rows = kept
		out.Tables[i] = tr
	}
	left := again[:0:0]
	for _, id := range again {
		if !skip[id.(string)] {
			left = append(left, id)
		}
	}
	return &out, left, shaped
}

// shapedPresent returns, per child table of b, how many distinct ids its
// rows of the roots shaped have: rows that exist, since those roots'
// stored child rows have exactly these ids.
func shapedPresent(b *destinations.Batch, shaped map[string]bool) map[string]int64 {
	out := map[string]int64{}
	for _, tr := range b.Tables[1:] {
		seen := map[string]bool{}
		for _, row := range tr.Rows {
			if root, _ := row[schema.ColRootID].(string); shaped[root] {
				if id, _ := row[schema.ColID].(string); !seen[id] {
					seen[id] = true
				}
			}
		}
		out[tr.Table.Name] += int64(len(seen))
	}
	return out
}

// forgetHashes sets _pipe_hash to NULL in the root rows of ids before an
// append batch with child rows is written into tables a merge wrote: the
// append may add child rows to an existing root without rewriting it, so
// the stored fingerprint would no longer describe the root's rows, and a
// later merge of the same record must take the full path (which deletes
// them again).
func (x *sqlTx) forgetHashes(ctx context.Context, b *destinations.Batch, ids []any) error {
	root := b.Tables[0].Table.Name
	rec, ok := x.schemas[root]
	if !ok || len(b.Tables) < 2 {
		return nil
	}
	if _, ok := rec.table.Column(schema.ColHash); !ok {
		return nil
	}
	if err := x.flush(ctx); err != nil {
		return err
	}
	per := x.d.MaxParams()
	for start := 0; start < len(ids); start += per {
		chunk := ids[start:min(start+per, len(ids))]
		q := fmt.Sprintf("UPDATE %s SET %s = NULL WHERE %s IN (%s) AND %s IS NOT NULL", x.d.Table(root), x.d.Quote(schema.ColHash),
			x.d.Quote(schema.ColID), placeholders(x.d, 0, len(chunk)), x.d.Quote(schema.ColHash))
		if _, err := x.tx.ExecContext(ctx, q, chunk...); err != nil {
			return fmt.Errorf("table %q: forget fingerprints: %w", root, err)
		}
	}
	return nil
}
