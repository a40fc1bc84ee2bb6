package jobs

import (
	"context"
	"database/sql"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/state"
)

// stagedResources returns the selected replace resources of root's
// tree: a partitioned run stages them (see SwapArgs).
func stagedResources(p *plan.Plan, root string) []*plan.Resource {
	var out []*plan.Resource
	in := tree(p, root)
	for _, r := range p.Resources {
		if in[r.Name] && r.Selected && r.WriteDisposition == string(destinations.Replace) {
			out = append(out, r)
		}
	}
	return out
}

// stage makes a partition of run load the replace resources of root's
// tree into the run's staging tables, appending, and returns dest with
// their cursors kept under the run's staging pipeline; dest itself when
// the tree has none.
func stage(p *plan.Plan, root string, run int64, dest destinations.Destination, max int) destinations.Destination {
	staged := map[string]bool{}
	for _, r := range stagedResources(p, root) {
		r.Table = stagingTable(r.Table, run, max)
		r.WriteDisposition = string(destinations.Append)
		staged[r.Name] = true
	}
	if len(staged) == 0 {
		return dest
	}
	return &stagedDest{Destination: dest, staging: stagingPipeline(p.Name, run), staged: staged}
}

// stagedDest is a destination whose loads save the cursors of staged
// resources under a staging pipeline.
type stagedDest struct {
	destinations.Destination
	staging string
	staged  map[string]bool
}

var _ destinations.Widener = (*stagedDest)(nil)

// Begin begins a load whose SaveState redirects staged cursors.
func (d *stagedDest) Begin(ctx context.Context, load destinations.Load) (destinations.Tx, error) {
	tx, err := d.Destination.Begin(ctx, load)
	if err != nil {
		return nil, err
	}
	return &stagedTx{Tx: tx, d: d}, nil
}

// CanWiden asks the destination, which may widen in place; without
// that ability every widening is assumed possible, as the engine does.
func (d *stagedDest) CanWiden(from, to schema.Type) bool {
	if w, ok := d.Destination.(destinations.Widener); ok {
		return w.CanWiden(from, to)
	}
	return true
}

// stagedTx is a load's transaction on a stagedDest.
type stagedTx struct {
	destinations.Tx
	d *stagedDest
}

var _ destinations.SQLTxer = (*stagedTx)(nil)

// SaveState saves the cursors of staged resources under the staging
// pipeline and the others under pipeline.
func (x *stagedTx) SaveState(ctx context.Context, pipeline string, entries []state.Entry) error {
	var live, staged []state.Entry
	for _, e := range entries {
		if x.d.staged[e.Resource] {
			staged = append(staged, e)
		} else {
			live = append(live, e)
		}
	}
	if len(live) > 0 {
		if err := x.Tx.SaveState(ctx, pipeline, live); err != nil {
			return err
		}
	}
	if len(staged) > 0 {
		return x.Tx.SaveState(ctx, x.d.staging, staged)
	}
	return nil
}

// SQLTx returns the transaction of the destination's Tx.
func (x *stagedTx) SQLTx(ctx context.Context) (*sql.Tx, error) { return sqlTxOf(ctx, x.Tx) }
