package normalize

import (
	"github.com/pipe-etl/pipe/engine/schema"
)

// Fit evolves every table of r against existing (the destination's
// tables by name; a missing entry means the table does not exist) and
// fits the rows to the evolved tables with e.ApplyCanonical, table by table in
// r's order. When a contract drops a row, the rows of its child tables
// are dropped too (and reported in their table's Result.Dropped), so no
// child row outlives its parent. existing is not modified: the caller
// records each Result.Table once the destination has applied its
// Changes. The first *schema.ContractError of a freeze mode is returned
// as is.
func (r *Rows) Fit(existing map[string]*schema.Table, e schema.Evolver) ([]schema.Result, error) {
	results := make([]schema.Result, 0, len(r.tables))
	var dropped map[string]bool // _pipe_id of dropped rows
	for _, tr := range r.tables {
		if len(tr.rows) == 0 {
			continue
		}
		rows, observed := tr.rows, tr.observed()
		var orphans []schema.Row
		if len(dropped) > 0 && tr.parent != "" {
			rows = nil
			for _, row := range tr.rows {
				if pid, _ := row[schema.ColParentID].(string); dropped[pid] {
					orphans = append(orphans, row)
				} else {
					rows = append(rows, row)
				}
			}
			if len(orphans) > 0 {
				observed = restrict(observed, rows)
			} else {
				rows = tr.rows
			}
		}
		res, err := e.ApplyCanonical(existing[tr.name], observed, rows) // normalize makes no nil and only canonical values
		if err != nil {
			return nil, err
		}
		res.Dropped = append(orphans, res.Dropped...)
		for _, row := range res.Dropped {
			if dropped == nil {
				dropped = map[string]bool{}
			}
			if id, ok := row[schema.ColID].(string); ok {
				dropped[id] = true
			}
		}
		results = append(results, res)
	}
	return results, nil
}

// restrict returns observed without the (column, type) pairs that no row
// of rows has, keeping bookkeeping columns.
func restrict(observed *schema.Table, rows []schema.Row) *schema.Table {
	have := map[colType]bool{}
	for _, row := range rows {
		for k, v := range row {
			have[colType{k, schema.Infer(v)}] = true
		}
	}
	t := &schema.Table{Name: observed.Name, Parent: observed.Parent}
	for _, c := range observed.Columns {
		if have[colType{c.Name, c.Type}] || !c.Nullable {
			t.Columns = append(t.Columns, c)
		}
	}
	return t
}
