package engine

import (
	"sort"

	"github.com/pipe-etl/pipe/engine/normalize"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/schema"
)

// hintTypes returns the types res's column hints fix, by column.
func hintTypes(res *plan.Resource) map[string]schema.Type {
	hints := map[string]schema.Type{}
	for col, h := range res.Columns {
		if h.DataType != "" {
			hints[col] = schema.Type(h.DataType)
		}
	}
	return hints
}

// fixedTypes returns what schema.Evolver.Fixed takes for res: its root
// table's hinted columns, which keep their hinted type (a value a hint
// could not convert goes to a variant column rather than widen it).
func fixedTypes(res *plan.Resource, maxIdentLen int) map[string]map[string]schema.Type {
	hints := hintTypes(res)
	if len(hints) == 0 {
		return nil
	}
	return map[string]map[string]schema.Type{schema.Shorten(res.Table, maxIdentLen): hints}
}

// hintTally returns the tally shared by the Normalizers of resource's
// chains, so that the end of the run can tell which hints never applied.
func (r *runner) hintTally(resource string, hints map[string]schema.Type) *normalize.HintTally {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tallies == nil {
		r.tallies = map[string]*normalize.HintTally{}
	}
	t := r.tallies[resource]
	if t == nil {
		t = normalize.NewHintTally(hints)
		r.tallies[resource] = t
	}
	return t
}

// warnHints logs a warning per column hint that named a column no record
// had or could not convert some values. Called once extraction is done.
func (r *runner) warnHints() {
	names := make([]string, 0, len(r.tallies))
	for name := range r.tallies {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, p := range r.tallies[name].Problems() {
			r.opts.Logger.Warn(p.String(), "resource", name)
		}
	}
}
