package normalize

import (
	"slices"

	"github.com/pipe-etl/pipe/engine/schema"
)

// Schema returns a copy of the observed table that the caller may change
// (for example append a column it adds to every row).
func (t TableRows) Schema() *schema.Table {
	if t.Observed == nil {
		return &schema.Table{Name: t.Name, Parent: t.Parent}
	}
	return &schema.Table{Name: t.Name, Parent: t.Parent, Columns: slices.Clone(t.Observed.Columns)}
}

// Transform calls fn for every row of every table, in table order; fn
// may change the row in place (drop, rename or add columns) and returns
// false to drop it. Afterwards the observed columns are recomputed from
// the rows: columns still present keep their order and flags, new ones
// follow sorted by name, and a table left with no rows is no longer
// listed by Tables. Dropping a row does not drop its child rows: fn sees
// the table name of each row and decides.
func (r *Rows) Transform(fn func(table string, row schema.Row) bool) {
	for _, tr := range r.tables {
		kept := 0
		for i, row := range tr.rows {
			if !fn(tr.name, row) {
				continue
			}
			// Swap rather than overwrite, so each map stays in the
			// buffer exactly once for reuse after Reset.
			tr.rows[kept], tr.rows[i] = tr.rows[i], tr.rows[kept]
			kept++
		}
		for _, m := range tr.rows[kept:] {
			clear(m)
		}
		r.n -= len(tr.rows) - kept
		tr.rows = tr.rows[:kept]
		tr.reobserve()
	}
	// Nodes remember what this generation observed; start a new one so
	// that later records re-observe columns Transform may have removed.
	r.gen = generations.Add(1)
}

// reobserve recomputes tr.cols and tr.seen from the rows.
func (tr *tableRows) reobserve() {
	have := make(map[colType]bool, len(tr.cols))
	for _, row := range tr.rows {
		for k, v := range row {
			if t := schema.Infer(v); t != "" {
				have[colType{k, t}] = true
			}
		}
	}
	cols := make([]schema.Column, 0, len(tr.cols)) // earlier Observed tables share tr.cols
	for _, c := range tr.cols {
		if have[colType{c.Name, c.Type}] || !c.Nullable && !c.PrimaryKey {
			cols = append(cols, c)
			delete(have, colType{c.Name, c.Type})
		}
	}
	added := make([]colType, 0, len(have))
	for k := range have {
		added = append(added, k)
	}
	slices.SortFunc(added, func(a, b colType) int {
		if a.name != b.name {
			if a.name < b.name {
				return -1
			}
			return 1
		}
		if a.t < b.t {
			return -1
		}
		if a.t > b.t {
			return 1
		}
		return 0
	})
	for _, k := range added {
		cols = append(cols, schema.Column{Name: k.name, Type: k.t, Nullable: true})
	}
	tr.cols = cols
	clear(tr.seen)
	for _, c := range tr.cols {
		if tr.seen == nil {
			tr.seen = map[colType]bool{}
		}
		tr.seen[colType{c.Name, c.Type}] = true
	}
}
