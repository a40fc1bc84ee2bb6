package normalize

import (
	"sync/atomic"

	"github.com/pipe-etl/pipe/engine/schema"
)

// generations numbers Rows buffers and their resets, so that a node can
// remember cheaply that a Rows already observed its column.
var generations atomic.Uint64

// Rows collects the rows that Normalize produces, per table, in the order
// tables were first seen: the root table first, every parent before its
// children. The zero value is ready to use. A Rows may collect the records
// of several pages and is reused after Reset.
type Rows struct {
	gen    uint64
	tables []*tableRows
	byName map[string]*tableRows
	n      int
	former map[string]string // root _pipe_id -> its former id; see FormerIDs
}

// TableRows is the rows of one table and the columns observed in them.
type TableRows struct {
	Name   string
	Parent string // "" for the root table
	Rows   []schema.Row
	// Observed lists the columns seen, in first-seen order, with the
	// bookkeeping columns first; a column appears once per type seen in
	// it. It is what schema.Evolve takes as observed.
	Observed *schema.Table
}

type tableRows struct {
	name, parent string
	rows         []schema.Row
	cols         []schema.Column
	seen         map[colType]bool // for columns without a node (extra fields)
	width        int              // the most values a row had, to size maps
}

type colType struct {
	name string
	t    schema.Type
}

// Tables returns the rows per table; a table without rows is not listed. The rows and observed tables stay valid until Reset.
func (r *Rows) Tables() []TableRows {
	out := make([]TableRows, 0, len(r.tables))
	for _, tr := range r.tables {
		if len(tr.rows) > 0 {
			out = append(out, TableRows{Name: tr.name, Parent: tr.parent, Rows: tr.rows, Observed: tr.observed()})
		}
	}
	return out
}

func (tr *tableRows) observed() *schema.Table {
	return &schema.Table{Name: tr.name, Parent: tr.parent, Columns: tr.cols[:len(tr.cols):len(tr.cols)]}
}

// FormerIDs maps the _pipe_id of each root row whose key holds a number
// written other than canonically (1.0 for 1) to the id earlier versions
// of pipe gave it, the hash of its text as written; nil when there is
// none. It may hold ids of records a rollback dropped. Valid until Reset.
func (r *Rows) FormerIDs() map[string]string { return r.former }

func (r *Rows) addFormer(id, former string) {
	if r.former == nil {
		r.former = map[string]string{}
	}
	r.former[id] = former
}

// Len returns the number of rows across tables.
func (r *Rows) Len() int { return r.n }

// Reset empties r for the next page, keeping its buffers: the row maps
// are cleared and reused. Call it only once the rows returned by Tables
// are no longer used (written to the destination); a Rows handed to
// another goroutine must not be reset until that goroutine is done.
func (r *Rows) Reset() {
	r.gen = generations.Add(1)
	for _, tr := range r.tables {
		for _, m := range tr.rows {
			clear(m) // drop references into the old page now, not at reuse
		}
		tr.rows = tr.rows[:0]
		tr.cols = tr.cols[:0]
		clear(tr.seen)
	}
	clear(r.byName)
	clear(r.former)
	r.tables = r.tables[:0]
	r.n = 0
}

// table returns the rows of t in r, creating them with t's bookkeeping
// columns on first use.
func (r *Rows) table(t *table, loadID bool) *tableRows {
	if r.gen == 0 {
		r.gen = generations.Add(1)
	}
	if t.gen == r.gen {
		return t.out
	}
	tr := r.byName[t.name]
	if tr == nil {
		tr = r.newTable(t, loadID)
	}
	t.gen, t.out = r.gen, tr
	return tr
}

func (r *Rows) newTable(t *table, loadID bool) *tableRows {
	if r.byName == nil {
		r.byName = map[string]*tableRows{}
	}
	var tr *tableRows
	if n := len(r.tables); n < cap(r.tables) && r.tables[:n+1][n] != nil {
		r.tables = r.tables[:n+1] // reuse the buffers of a table of an earlier page
		tr = r.tables[n]
	} else {
		tr = &tableRows{}
		r.tables = append(r.tables, tr)
	}
	tr.name, tr.parent = t.name, ""
	if t.parent != nil {
		tr.parent = t.parent.name
	}
	id := schema.Column{Name: schema.ColID, Type: schema.Text}
	tr.cols = append(tr.cols, id)
	if t.parent != nil {
		tr.cols = append(tr.cols,
			schema.Column{Name: schema.ColParentID, Type: schema.Text, Key: t.listKey},
			schema.Column{Name: schema.ColRootID, Type: schema.Text},
			schema.Column{Name: schema.ColListIdx, Type: schema.Bigint})
	}
	if loadID {
		tr.cols = append(tr.cols, schema.Column{Name: schema.ColLoadID, Type: schema.Text})
	}
	r.byName[t.name] = tr
	return tr
}

// newRow appends an empty row, reusing a map of an earlier page.
func (tr *tableRows) newRow(r *Rows) schema.Row {
	r.n++
	if n := len(tr.rows); n < cap(tr.rows) {
		tr.rows = tr.rows[:n+1]
		if m := tr.rows[n]; m != nil { // cleared by Reset
			return m
		}
		tr.rows[n] = make(schema.Row, tr.width)
		return tr.rows[n]
	}
	m := make(schema.Row, tr.width)
	tr.rows = append(tr.rows, m)
	return m
}

// observe records that column col of type typ has a value, once per Rows
// generation and node.
func (tr *tableRows) observe(gen uint64, nd *node, typ schema.Type) {
	i := typeIndex(typ)
	if nd.seen[i] == gen {
		return
	}
	nd.seen[i] = gen
	tr.addColumn(nd.col, nd.key, typ, nd.pk)
}

// addColumn appends col, of the JSON key at path key ("" for none), with
// type typ unless already observed.
func (tr *tableRows) addColumn(col, key string, typ schema.Type, pk bool) {
	k := colType{col, typ}
	if tr.seen[k] {
		return
	}
	if tr.seen == nil {
		tr.seen = map[colType]bool{}
	}
	tr.seen[k] = true
	tr.cols = append(tr.cols, schema.Column{Name: col, Type: typ, Nullable: !pk, PrimaryKey: pk, Key: key})
}

// mark appends to lens the number of rows of each table of r, and
// returns them: where r stood before a record, for rollback.
func (r *Rows) mark(lens []int) []int {
	for _, tr := range r.tables {
		lens = append(lens, len(tr.rows))
	}
	return lens
}

// rollback drops the rows appended since mark returned lens (tables
// added since then had none). The dropped maps are cleared and stay in
// the buffers for reuse.
func (r *Rows) rollback(lens []int) {
	for i, tr := range r.tables {
		keep := 0
		if i < len(lens) {
			keep = lens[i]
		}
		for _, m := range tr.rows[keep:] {
			clear(m)
		}
		r.n -= len(tr.rows) - keep
		tr.rows = tr.rows[:keep]
	}
}
