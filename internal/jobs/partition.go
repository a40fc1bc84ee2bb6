package jobs

import (
	"encoding/json"

	"github.com/pipe-etl/pipe/engine/plan"
)

// partitionRoot returns the resource a run of p is partitioned on: the
// first needed root resource that has needed children, else the first
// needed root with a list variable; nil when there is none, and the run
// is one partition.
func partitionRoot(p *plan.Plan) *plan.Resource {
	var each *plan.Resource
	for _, r := range p.Resources {
		if !r.Needed || r.Parent != "" {
			continue
		}
		for _, c := range p.Children(r.Name) {
			if c.Needed {
				return r
			}
		}
		if r.EachVar != "" && each == nil {
			each = r
		}
	}
	return each
}

// tree returns the names of root and every resource below it.
func tree(p *plan.Plan, root string) map[string]bool {
	out := map[string]bool{root: true}
	for changed := true; changed; {
		changed = false
		for _, r := range p.Resources {
			if r.Parent != "" && out[r.Parent] && !out[r.Name] {
				out[r.Name], changed = true, true
			}
		}
	}
	return out
}

// keepTree leaves only root's tree needed in p: a partition job loads
// nothing else.
func keepTree(p *plan.Plan, root string) {
	in := tree(p, root)
	for _, r := range p.Resources {
		if !in[r.Name] {
			r.Needed, r.Selected = false, false
		}
	}
}

// batches cuts xs into consecutive batches of at most n; one empty
// batch when xs is empty, so a run always has its first partition.
func batches[T any](xs []T, n int) [][]T {
	if n <= 0 {
		n = DefaultBatch
	}
	out := [][]T{}
	for len(xs) > n {
		out = append(out, xs[:n:n])
		xs = xs[n:]
	}
	return append(out, xs)
}

// rawRecords converts the records of a partition back to JSON.
func rawRecords(recs []string) []json.RawMessage {
	out := make([]json.RawMessage, len(recs))
	for i, r := range recs {
		out[i] = json.RawMessage(r)
	}
	return out
}
