package sqlload

import (
	"context"
	"fmt"
	"hash/maphash"
	"strings"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// A merge into existing tables updates the rows it finds in place
// rather than deleting a merged root's child rows and inserting them
// again. Child ids derive from the root's id, the list and the position
// (normalize), so a record merged again gives its child rows the ids
// they had: upserts find them and rewrite them where they are, and the
// indexes on _pipe_id and _pipe_root_id are only read, never written
// (an upsert's SET leaves out the key, the parent and the root id, which
// an id determines). Rows sit in the table in the API's order, so the
// rewrites walk the table nearly in order, while a
// DELETE and INSERT of every child row put two index entries per row
// into random leaves of two indexes keyed by hashes: a re-merge of 100k
// issues went from 3.3× to 1.7–2.6× the CPU time of their first load
// (README, Performance).
//
// What the upserts do not reach are the child rows of a merged root that
// the record no longer has (a list got shorter or went away): after the
// upserts, the rows of the merged roots whose _pipe_load_id is not this
// load's are deleted. That is exact only when no earlier batch of this
// load wrote the same root, whose rows carry this load's id too: every
// root a load merges is remembered in a Bloom filter (mergedRoots), and
// a root that may have been merged before in this load takes the
// delete-and-insert path instead. A false positive costs that path,
// never a wrong answer. Batches whose rows do not carry the load's own
// id (a caller that names loads otherwise) take that path too.

// mergedBits is the size of the Bloom filter of a load's merged roots:
// 2 MiB, a false positive rate of 0.06% at a million roots.
const (
	mergedBits   = 1 << 24
	mergedProbes = 8
)

// mergedRoots remembers the roots a load merged into one root table.
type mergedRoots struct {
	load, table string
	seed        maphash.Seed
	bits        []uint64
}

// mergedFor returns the filter of load and table, empty when the load or
// table changed since the last call.
func (s *SQL) mergedFor(load, table string) *mergedRoots {
	if m := s.merged[table]; m != nil && m.load == load {
		return m
	}
	if s.merged == nil {
		s.merged = map[string]*mergedRoots{}
	}
	for t, m := range s.merged {
		if m.load != load {
			delete(s.merged, t) // a new load: the old one's filters are done
		}
	}
	m := &mergedRoots{load: load, table: table, seed: maphash.MakeSeed(), bits: make([]uint64, mergedBits/64)}
	s.merged[table] = m
	return m
}

// probe calls fn with the bit positions of id.
func (m *mergedRoots) probe(id string, fn func(word int, bit uint64) bool) bool {
	h := maphash.String(m.seed, id)
	h1, h2 := uint32(h), uint32(h>>32)|1
	for i := uint32(0); i < mergedProbes; i++ {
		p := (h1 + i*h2) % mergedBits
		if !fn(int(p/64), 1<<(p%64)) {
			return false
		}
	}
	return true
}

func (m *mergedRoots) mayContain(id string) bool {
	return m.probe(id, func(w int, b uint64) bool { return m.bits[w]&b != 0 })
}

func (m *mergedRoots) add(id string) {
	m.probe(id, func(w int, b uint64) bool { m.bits[w] |= b; return true })
}

// staleChildren is what a merge deletes after its upserts: the rows of
// roots in tables whose load id is not load.
type staleChildren struct {
	load   string
	roots  []any
	tables []string
}

// batchLoad returns the load id every row of b carries, if they all
// carry load.
func batchLoad(b *destinations.Batch, load string) bool {
	if load == "" {
		return false
	}
	for _, tr := range b.Tables {
		for _, row := range tr.Rows {
			if v, ok := row[schema.ColLoadID].(string); !ok || v != load {
				return false
			}
		}
	}
	return true
}

// mergeChildren prepares a merge of b, whose roots may exist: it deletes
// now the child rows of those existing roots this load may have merged
// before, and returns what to delete after the upserts for the others.
// Every root of b is remembered as merged by this load.
func (x *sqlTx) mergeChildren(ctx context.Context, b *destinations.Batch, ids []any) (*staleChildren, error) {
	if !batchLoad(b, x.load.ID) {
		return nil, x.deleteChildren(ctx, b, ids)
	}
	root := b.Tables[0].Table.Name
	seen := x.s.mergedFor(x.load.ID, root)
	tables := x.childTables(b)
	if len(tables) == 0 {
		rememberMerged(seen, ids)
		return nil, nil
	}
	again, err := x.existingRoots(ctx, root, ids)
	if err != nil || len(again) == 0 {
		rememberMerged(seen, ids)
		return nil, err
	}
	var repeat, fresh []any
	for _, id := range again {
		if seen.mayContain(id.(string)) {
			repeat = append(repeat, id)
		} else {
			fresh = append(fresh, id)
		}
	}
	rememberMerged(seen, ids)
	for _, child := range tables {
		rec := x.schemas[child]
		if _, ok := rec.table.Column(schema.ColRootID); !ok {
			return nil, fmt.Errorf("child table %q: no %s column", child, schema.ColRootID)
		}
		if err := x.ensureRootIndex(ctx, child, &rec.table); err != nil {
			return nil, fmt.Errorf("child table %q: %w", child, err)
		}
		if len(repeat) > 0 {
			if err := x.deleteByRoot(ctx, child, repeat); err != nil {
				return nil, fmt.Errorf("child table %q: delete: %w", child, err)
			}
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	return &staleChildren{load: x.load.ID, roots: fresh, tables: tables}, nil
}

func rememberMerged(m *mergedRoots, ids []any) {
	for _, id := range ids {
		m.add(id.(string))
	}
}

// deleteStale deletes the child rows st names, in statements of at most
// MaxParams-1 roots.
func (x *sqlTx) deleteStale(ctx context.Context, st *staleChildren) error {
	if st == nil {
		return nil
	}
	if err := x.flush(ctx); err != nil {
		return err
	}
	per := x.d.MaxParams() - 1
	load := x.d.Quote(schema.ColLoadID)
	for _, child := range st.tables {
		for start := 0; start < len(st.roots); start += per {
			chunk := st.roots[start:min(start+per, len(st.roots))]
			var b strings.Builder
			fmt.Fprintf(&b, "DELETE FROM %s WHERE %s IN (%s) AND (%s <> %s OR %s IS NULL)", x.d.Table(child),
				x.d.Quote(schema.ColRootID), placeholders(x.d, 0, len(chunk)), load, x.d.Placeholder(len(chunk)+1), load)
			stmt, err := x.prepare(ctx, b.String())
			if err != nil {
				return fmt.Errorf("child table %q: delete: %w", child, err)
			}
			if _, err := stmt.ExecContext(ctx, append(chunk[:len(chunk):len(chunk)], st.load)...); err != nil {
				return fmt.Errorf("child table %q: delete: %w", child, err)
			}
		}
	}
	return nil
}
