package sqlload

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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
// but when only the content part differs and the shape part (the ids of
// the record's child rows) is the one stored, the root has exactly the
// child rows the batch has: none is stale, all exist, and the merge
// upserts them without reading the root's child ids first; and its rows
// in a child table whose children part is the one stored are stored as
// the batch has them, so the merge leaves them out too.

// storedRoots returns those of ids that are _pipe_id values of rows of
// the root table, and the stored _pipe_hash of those that have one (nil
// when the table has no such column), in statements of at most MaxParams
// parameters; o, when not nil, probes the roots found (see sql_origin.go).
func (x *sqlTx) storedRoots(ctx context.Context, root string, ids []any, o *originProbe) ([]any, map[string]string, error) {
	rec, ok := x.schemas[root]
	if !ok {
		return nil, nil, nil
	}
	if _, ok := rec.table.Column(schema.ColHash); !ok {
		again, err := x.existingRoots(ctx, root, ids)
		if err == nil {
			err = x.probeOrigin(ctx, o, root, again)
		}
		return again, nil, err
	}
	if err := x.flush(ctx); err != nil {
		return nil, nil, err
	}
	var sel string
	var args []any
	first := 0
	if o != nil {
		sel, args = o.selects(x.d, x.load.ID)
		first = o.params()
	}
	var found []any
	stored := make(map[string]string, len(ids))
	per := x.d.MaxParams() - first
	for start := 0; start < len(ids); start += per {
		chunk := ids[start:min(start+per, len(ids))]
		var b strings.Builder
		fmt.Fprintf(&b, "SELECT %s, %s%s FROM %s WHERE %s IN (%s)", x.d.Quote(schema.ColID), x.d.Quote(schema.ColHash), sel,
			x.d.Table(root), x.d.Quote(schema.ColID), placeholders(x.d, first, len(chunk)))
		stmt, err := x.prepare(ctx, b.String())
		if err != nil {
			return nil, nil, fmt.Errorf("table %q: existing rows: %w", root, err)
		}
		rows, err := stmt.QueryContext(ctx, append(args[:len(args):len(args)], chunk...)...)
		if err != nil {
			return nil, nil, fmt.Errorf("table %q: existing rows: %w", root, err)
		}
		var id string
		var h sql.NullString
		dest, judge := []any{&id, &h}, func(string) error { return nil }
		if o != nil {
			var more []any
			more, judge = o.scan()
			dest = append(dest, more...)
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("table %q: existing rows: %w", root, err)
			}
			if err := judge(id); err != nil {
				rows.Close()
				return nil, nil, err
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

// The parts of a _pipe_hash (normalize, fingerprint.go): the content
// (hex digits [0, 32)), the shape (the ids of the record's child rows,
// [32, 64)) and then, 16 digits for each child table the record has rows
// in, in the order of the tables' names, what decides those rows beyond
// their ids. Roots written before the children parts existed have the
// first two only.
const (
	hashShape    = 32
	hashChildren = 64
	hashPart     = 16
)

// hashMatch is how the fingerprints of a root in a batch compare with the
// stored one.
type hashMatch struct {
	all   bool   // the content: every row as stored
	shape bool   // the child rows' ids as stored
	same  uint64 // bit i: the rows in the i-th child table as stored
	parts int    // children parts: child tables the root has rows in
}

func compareHash(h, stored string) hashMatch {
	if h != "" && h == stored {
		return hashMatch{all: true, shape: true}
	}
	if len(h) < hashChildren || len(stored) < hashChildren {
		return hashMatch{}
	}
	// The content decides every row of the record, so it alone tells an
	// unchanged record: a shape stored by pipe before the shape took the
	// tables in the order of their names may differ for the same rows.
	m := hashMatch{all: h[:hashShape] == stored[:hashShape]}
	m.shape = m.all || h[hashShape:hashChildren] == stored[hashShape:hashChildren]
	if !m.shape || len(h) != len(stored) || (len(h)-hashChildren)%hashPart != 0 {
		return m
	}
	m.parts = (len(h) - hashChildren) / hashPart
	for i := 0; i < 64 && i < m.parts; i++ {
		at := hashChildren + i*hashPart
		if h[at:at+hashPart] == stored[at:at+hashPart] {
			m.same |= 1 << i
		}
	}
	return m
}

// skipUnchanged returns b without the rows of the roots whose every
// occurrence in b has the content stored for them (again
// without those roots), and without the rows, in each child table whose
// children part every occurrence has as stored, of the roots whose shape
// is stored; and the roots left whose every occurrence has the stored
// shape (the same child row ids). A root none of whose lists changed is
// merged as its root row alone. The rows left out count as unchanged. b
// itself is not changed (the engine reuses it): a batch with rows left
// out is a new one, sharing the rows.
func (x *sqlTx) skipUnchanged(b *destinations.Batch, again []any, stored map[string]string) (*destinations.Batch, []any, map[string]bool) {
	if len(stored) == 0 {
		return b, again, nil
	}
	found := make(map[string]hashMatch, len(stored))
	for _, row := range b.Tables[0].Rows {
		id, _ := row[schema.ColID].(string)
		h, _ := row[schema.ColHash].(string)
		s, ok := stored[id]
		var m hashMatch
		if ok {
			m = compareHash(h, s)
		}
		if was, seen := found[id]; seen {
			m = hashMatch{all: m.all && was.all, shape: m.shape && was.shape, same: m.same & was.same, parts: m.parts}
			if m.parts != was.parts {
				m.same = 0
			}
		}
		found[id] = m
	}
	skip := make(map[string]bool, len(found))
	var shaped map[string]bool
	same := map[string]hashMatch{}
	for id, m := range found {
		switch {
		case m.all:
			skip[id] = true
		case m.shape:
			if shaped == nil {
				shaped = map[string]bool{}
			}
			shaped[id] = true
			if m.same != 0 {
				same[id] = m
			}
		}
	}
	if len(skip) == 0 && len(same) == 0 {
		return b, again, shaped
	}
	drop := unchangedTables(b, same)
	out := x.leaveOut(b, func(i int, root string) bool { return skip[root] || drop[i][root] })
	left := again[:0:0]
	for _, id := range again {
		if !skip[id.(string)] {
			left = append(left, id)
		}
	}
	return out, left, shaped
}

// leaveOut returns b without the rows of the roots out reports for the
// i-th table (root rows by their _pipe_id, child rows by their
// _pipe_root_id), counting them unchanged.
func (x *sqlTx) leaveOut(b *destinations.Batch, out func(i int, root string) bool) *destinations.Batch {
	res := *b
	res.Tables = make([]destinations.TableRows, len(b.Tables))
	for i, tr := range b.Tables {
		key := schema.ColRootID
		if i == 0 {
			key = schema.ColID
		}
		kept := make([]schema.Row, 0, len(tr.Rows))
		for _, row := range tr.Rows {
			if id, _ := row[key].(string); !out(i, id) {
				kept = append(kept, row)
			}
		}
		x.count(tr.Table.Name).Unchanged += int64(len(tr.Rows) - len(kept))
		tr.Rows = kept
		res.Tables[i] = tr
	}
	return &res
}

// unchangedTables returns, per table of b, the roots of same whose rows
// in it are stored as they are: root r's rows in the i-th table, in the
// order of names, of the child tables it has rows in, when bit i of
// same[r].same is set. A root whose rows are in other than same[r].parts
// child tables (which its stored shape rules out) keeps all its rows.
func unchangedTables(b *destinations.Batch, same map[string]hashMatch) []map[string]bool {
	drop := make([]map[string]bool, len(b.Tables))
	if len(same) == 0 {
		return drop
	}
	has := make([]map[string]bool, len(b.Tables))
	order := make([]int, 0, len(b.Tables)-1)
	for i, tr := range b.Tables[1:] {
		has[i+1] = map[string]bool{}
		for _, row := range tr.Rows {
			if root, _ := row[schema.ColRootID].(string); same[root].same != 0 {
				has[i+1][root] = true
			}
		}
		order = append(order, i+1)
	}
	slices.SortFunc(order, func(i, j int) int { return strings.Compare(b.Tables[i].Table.Name, b.Tables[j].Table.Name) })
	var tables []int
	for root, m := range same {
		tables = tables[:0]
		for _, i := range order {
			if has[i][root] {
				tables = append(tables, i)
			}
		}
		if len(tables) != m.parts {
			continue
		}
		for pos, i := range tables {
			if pos < 64 && m.same&(1<<pos) != 0 {
				if drop[i] == nil {
					drop[i] = map[string]bool{}
				}
				drop[i][root] = true
			}
		}
	}
	return drop
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
