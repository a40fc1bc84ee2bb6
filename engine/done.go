package engine

import (
	"context"
	"time"

	"github.com/pipe-etl/pipe/engine/plan"
)

// completion tracks when each resource has extracted everything: its
// parent resource is complete (roots have no parent) and none of its
// chains is outstanding. Chains are counted before they start, and a
// parent's chains submit all their children before they end, so a count
// of zero after the parent completed is final.
type completion struct {
	plan     *plan.Plan
	pending  map[string]int
	complete map[string]bool
}

func newCompletion(p *plan.Plan) *completion {
	return &completion{plan: p, pending: map[string]int{}, complete: map[string]bool{}}
}

// add counts n chains of res about to start. The caller holds runner.mu.
func (c *completion) add(res string, n int) { c.pending[res] += n }

// finish counts one chain of res as ended and returns the resources that
// are complete because of it, parents first. The caller holds runner.mu.
func (c *completion) finish(res *plan.Resource) []*plan.Resource {
	c.pending[res.Name]--
	return c.settle(res)
}

// rootsSubmitted marks the start of every root resource's chains, so a
// root without chains (an empty list variable) completes too.
func (c *completion) rootsSubmitted() []*plan.Resource {
	var out []*plan.Resource
	for _, r := range c.plan.Resources {
		if r.Needed && r.Parent == "" {
			out = append(out, c.settle(r)...)
		}
	}
	return out
}

// settle marks res complete if it is, then its children, recursively.
func (c *completion) settle(res *plan.Resource) []*plan.Resource {
	if c.complete[res.Name] || c.pending[res.Name] > 0 {
		return nil
	}
	if res.Parent != "" && !c.complete[res.Parent] {
		return nil
	}
	c.complete[res.Name] = true
	out := []*plan.Resource{res}
	for _, child := range c.plan.Children(res.Name) {
		if child.Needed {
			out = append(out, c.settle(child)...)
		}
	}
	return out
}

// completed tells the writer that resources finished extracting.
func (r *runner) completed(ctx context.Context, done []*plan.Resource) error {
	for _, res := range done {
		r.count(func() {
			s := r.stats[res.Name]
			s.Done, s.Finished = true, time.Now()
			for _, child := range r.plan.Children(res.Name) {
				if cs := r.stats[child.Name]; cs != nil {
					cs.AllSubmitted = true // every parent record submitted its chain
				}
			}
		})
		if err := r.send(ctx, msg{res: res, done: true}); err != nil {
			return err
		}
	}
	return nil
}
