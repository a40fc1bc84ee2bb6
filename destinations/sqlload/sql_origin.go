package sqlload

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// A child resource's records carry what they took from their parent
// record or list item in origin columns (Batch.Origin). Two records of
// one load with one _pipe_id but different origins are two records the
// primary key does not tell apart (a user listed as a member of two
// groups, keyed by the user's id): writing both would keep one, so the
// write fails instead (destinations.OriginConflict).
//
// Rows a load writes carry its _pipe_load_id, which tells a root this
// load met from one it did not. A root the load met but left as stored
// (a merge's unchanged record, an append's existing row) keeps an older
// load id; the load remembers those with their origin (runLock.kept),
// in memory, only roots found stored with the batch's origin. A first
// load finds no stored root and remembers nothing. The stored roots of a
// merge are probed in the query that reads their fingerprints
// (storedRoots), so a re-merge reads each root once.

// originProbe checks the stored roots of one batch against its origin.
type originProbe struct {
	root string   // the root table
	cols []string // the origin columns the table has
	vals []any    // their values in the batch, encoded
	h    uint64   // originHash(vals)
	kept map[uint64]uint64
	same []string // roots stored by an earlier load with this origin
}

// newOriginProbe returns the probe of b, or nil when b has no origin
// column in its root table.
func (x *sqlTx) newOriginProbe(b *destinations.Batch) (*originProbe, error) {
	if len(b.Origin) == 0 || len(b.Tables) == 0 || len(b.Tables[0].Rows) == 0 {
		return nil, nil
	}
	root := b.Tables[0].Table.Name
	rec, ok := x.schemas[root]
	if !ok {
		return nil, nil
	}
	p := &originProbe{root: root, kept: x.run.kept[root]}
	row := b.Tables[0].Rows[0] // one page of one chain: one origin
	for _, name := range b.Origin {
		c, ok := rec.table.Column(name)
		if !ok {
			continue // dropped by the schema contract, or excluded
		}
		var v any
		if raw := row[name]; raw != nil {
			var err error
			if v, err = coerce(c.Type, raw); err == nil {
				v, err = x.d.Encode(c.Type, v)
			}
			if err != nil {
				return nil, fmt.Errorf("table %q: column %q: %w", root, name, err)
			}
		}
		p.cols, p.vals = append(p.cols, name), append(p.vals, v)
	}
	if len(p.cols) == 0 {
		return nil, nil
	}
	p.h = originHash(p.vals)
	return p, nil
}

// params is how many bind parameters selects takes.
func (p *originProbe) params() int { return 1 + len(p.cols) }

// selects returns what the probe adds to a SELECT's list, its bind
// parameters numbered from 1, and their values.
func (p *originProbe) selects(d Dialect, loadID string) (string, []any) {
	same := make([]string, len(p.cols))
	for i, c := range p.cols {
		same[i] = d.Quote(c) + " IS NOT DISTINCT FROM " + d.Placeholder(2+i)
	}
	var b strings.Builder
	fmt.Fprintf(&b, ", CASE WHEN %s = %s THEN 1 ELSE 0 END, CASE WHEN %s THEN 0 ELSE 1 END",
		d.Quote(schema.ColLoadID), d.Placeholder(1), strings.Join(same, " AND "))
	for _, c := range p.cols {
		b.WriteString(", " + d.Quote(c))
	}
	return b.String(), append([]any{loadID}, p.vals...)
}

// scan returns the scan destinations of what selects adds, and a
// function that judges the stored root id once the row is scanned.
func (p *originProbe) scan() ([]any, func(id string) error) {
	var thisLoad, differs int
	before := make([]any, len(p.cols))
	dest := []any{&thisLoad, &differs}
	for i := range before {
		dest = append(dest, &before[i])
	}
	return dest, func(id string) error {
		switch {
		case thisLoad == 1 && differs == 1:
			return &destinations.OriginConflict{Table: p.root, ID: id, Columns: p.cols, Before: before, Now: p.vals}
		case thisLoad == 1:
		case differs == 0:
			p.same = append(p.same, id)
		default:
			// A root the load left as stored still holds the origin it
			// was met with.
			if k, ok := p.kept[idKey(id)]; ok && k != p.h {
				return &destinations.OriginConflict{Table: p.root, ID: id, Columns: p.cols, Before: before, Now: p.vals}
			}
		}
		return nil
	}
}

// remember records the roots of p.same that the write leaves as stored:
// those not in written, or all of them when written is nil.
func (x *sqlTx) remember(p *originProbe, written map[string]bool) {
	if p == nil || len(p.same) == 0 {
		return
	}
	if x.run.kept == nil {
		x.run.kept = map[string]map[uint64]uint64{}
	}
	kept := x.run.kept[p.root]
	if kept == nil {
		kept = map[uint64]uint64{}
		x.run.kept[p.root] = kept
	}
	for _, id := range p.same {
		if written == nil || !written[id] {
			kept[idKey(id)] = p.h
		}
	}
}

// probeOrigin runs p over those of ids stored in table (the root table
// or its staging table), in statements of at most MaxParams parameters.
func (x *sqlTx) probeOrigin(ctx context.Context, p *originProbe, table string, ids []any) error {
	if p == nil || len(ids) == 0 {
		return nil
	}
	if err := x.flush(ctx); err != nil {
		return err
	}
	sel, args := p.selects(x.d, x.load.ID)
	per := x.d.MaxParams() - p.params()
	for start := 0; start < len(ids); start += per {
		chunk := ids[start:min(start+per, len(ids))]
		q := fmt.Sprintf("SELECT %s%s FROM %s WHERE %s IN (%s)", x.d.Quote(schema.ColID), sel, x.d.Table(table),
			x.d.Quote(schema.ColID), placeholders(x.d, p.params(), len(chunk)))
		stmt, err := x.prepare(ctx, q)
		if err != nil {
			return fmt.Errorf("table %q: origins: %w", table, err)
		}
		rows, err := stmt.QueryContext(ctx, append(args, chunk...)...)
		if err != nil {
			return fmt.Errorf("table %q: origins: %w", table, err)
		}
		var id string
		dest, judge := p.scan()
		dest = append([]any{&id}, dest...)
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return fmt.Errorf("table %q: origins: %w", table, err)
			}
			if err := judge(id); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("table %q: origins: %w", table, err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("table %q: origins: %w", table, err)
		}
	}
	return nil
}

// checkStagedOrigin checks a replace batch's roots against the rows the
// load staged before it: every staged row is the load's.
func (x *sqlTx) checkStagedOrigin(ctx context.Context, b *destinations.Batch) error {
	root := b.Tables[0].Table.Name
	if len(b.Origin) == 0 || !x.hasStaging(root) {
		return nil
	}
	p, err := x.newOriginProbe(b)
	if err != nil || p == nil {
		return err
	}
	ids, err := rootIDs(b)
	if err != nil {
		return err
	}
	return x.probeOrigin(ctx, p, StagingName(root, x.d.MaxIdentifierLen()), ids)
}

// idKey is a root id's key in runLock.kept: its first 16 hex digits
// (ids are hex digests), or a hash of an id of another form.
func idKey(id string) uint64 {
	if len(id) >= 16 {
		if k, err := strconv.ParseUint(id[:16], 16, 64); err == nil {
			return k
		}
	}
	return xxhash.Sum64String(id)
}

// originHash is a hash of encoded origin values, compared within one
// process only.
func originHash(vals []any) uint64 {
	d := xxhash.New()
	for _, v := range vals {
		fmt.Fprintf(d, "%T:%v\x00", v, v)
	}
	return d.Sum64()
}
