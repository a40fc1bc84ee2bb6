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
// column existed) takes the full path, which stores the new fingerprint.

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

// skipUnchanged returns b without the rows of the roots whose every
// occurrence in b has the fingerprint stored for them, and again without
// those roots; the rows left out count as unchanged. b itself is not
// changed (the engine reuses it): a batch with rows left out is a new
// one, sharing the rows.
func (x *sqlTx) skipUnchanged(b *destinations.Batch, again []any, stored map[string]string) (*destinations.Batch, []any) {
	if len(stored) == 0 {
		return b, again
	}
	same := make(map[string]bool, len(stored))
	for _, row := range b.Tables[0].Rows {
		id, _ := row[schema.ColID].(string)
		h, _ := row[schema.ColHash].(string)
		s, ok := stored[id]
		eq := ok && h != "" && h == s
		if was, seen := same[id]; seen {
			eq = eq && was
		}
		same[id] = eq
	}
	skip := make(map[string]bool, len(same))
	for id, eq := range same {
		if eq {
			skip[id] = true
		}
	}
	if len(skip) == 0 {
		return b, again
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
	return &out, left
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
