package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/schema"
)

// runWorker works RunArgs: it partitions the run, loads the first
// partition and inserts the others (see the package documentation).
type runWorker struct {
	river.WorkerDefaults[RunArgs]
	q   *Queue
	env *Env
}

// partitionWorker works PartitionArgs: one partition's load.
type partitionWorker struct {
	river.WorkerDefaults[PartitionArgs]
	q   *Queue
	env *Env
}

var (
	_ river.Worker[RunArgs]       = (*runWorker)(nil)
	_ river.Worker[PartitionArgs] = (*partitionWorker)(nil)
)

// ErrSuperseded is why a load is rolled back when its job is no longer
// this worker's: River rescued it from a worker it presumed dead and
// another attempt has it.
var ErrSuperseded = errors.New("job taken over by another attempt")

func (w *runWorker) Work(ctx context.Context, job *river.Job[RunArgs]) error {
	t := job.Args.Target
	p, err := w.env.Plan(t)
	if err != nil {
		return permanent(fmt.Errorf("spec %s: %w", t.Spec, err))
	}
	root := w.q.partitionRoot(p)
	var live []string // the live tables of the staged resources
	if root != nil {
		for _, r := range stagedResources(p, root.Name) {
			live = append(live, r.Table)
		}
	}
	var tables []schema.Table
	return w.q.load(ctx, w.env, t, p, func(ctx context.Context, o *engine.Options) (func(context.Context, *sql.Tx) error, error) {
		var rest []PartitionArgs
		if root != nil {
			parts, err := split(ctx, p, *o, root, t.Batch)
			if err != nil {
				return nil, err
			}
			first := parts[0]
			apply(p, o, &first)
			for i := range parts[1:] {
				a := parts[i+1]
				a.RunID, a.Index, a.Total, a.Target = job.ID, i+2, len(parts), t
				rest = append(rest, a)
			}
			if len(live) > 0 {
				if tables, err = o.Dest.Tables(ctx); err != nil {
					return nil, err
				}
				o.Dest = stage(p, root.Name, job.ID, o.Dest, o.MaxIdentLen)
			}
		}
		return func(ctx context.Context, tx *sql.Tx) error {
			if len(live) > 0 {
				if err := w.q.dropDeadStaging(ctx, tx, p.Name, job.ID, tables, live, o.MaxIdentLen); err != nil {
					return err
				}
			}
			if len(rest) > 0 {
				params := make([]river.InsertManyParams, len(rest))
				for i := range rest {
					params[i] = river.InsertManyParams{Args: rest[i]}
				}
				client := river.ClientFromContext[*sql.Tx](ctx)
				if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
					return fmt.Errorf("insert partitions: %w", err)
				}
			}
			if err := w.q.complete(ctx, tx, job.JobRow, func() error {
				_, err := river.JobCompleteTx[riverdriver.Driver[*sql.Tx]](ctx, tx, job)
				return err
			}); err != nil {
				return err
			}
			if len(live) == 0 {
				return nil
			}
			return w.q.partitionDone(ctx, tx, len(rest)+1, SwapArgs{RunID: job.ID, Target: t, Root: root.Name})
		}, nil
	})
}

// partitionPlan plans t for a job that works on its partition root
// root: a spec that no longer plans, or no longer has root, fails the job
// for good (retrying cannot change it).
func (e *Env) partitionPlan(t Target, root string) (*plan.Plan, error) {
	p, err := e.Plan(t)
	if err != nil {
		return nil, permanent(fmt.Errorf("spec %s: %w", t.Spec, err))
	}
	if p.Resource(root) == nil {
		return nil, permanent(fmt.Errorf("spec %s: no resource %q to partition on", t.Spec, root))
	}
	return p, nil
}

func (w *partitionWorker) Work(ctx context.Context, job *river.Job[PartitionArgs]) error {
	a := job.Args
	p, err := w.env.partitionPlan(a.Target, a.Root)
	if err != nil {
		return err
	}
	keepTree(p, a.Root)
	return w.q.load(ctx, w.env, a.Target, p, func(ctx context.Context, o *engine.Options) (func(context.Context, *sql.Tx) error, error) {
		apply(p, o, &a)
		staged := len(stagedResources(p, a.Root)) > 0
		o.Dest = stage(p, a.Root, a.RunID, o.Dest, o.MaxIdentLen)
		return func(ctx context.Context, tx *sql.Tx) error {
			if err := w.q.complete(ctx, tx, job.JobRow, func() error {
				_, err := river.JobCompleteTx[riverdriver.Driver[*sql.Tx]](ctx, tx, job)
				return err
			}); err != nil {
				return err
			}
			if !staged {
				return nil
			}
			return w.q.partitionDone(ctx, tx, a.Total, SwapArgs{RunID: a.RunID, Target: a.Target, Root: a.Root})
		}, nil
	})
}

// split requests the records of root (or takes its list items) and cuts
// them into partitions.
func split(ctx context.Context, p *plan.Plan, o engine.Options, root *plan.Resource, batch int) ([]PartitionArgs, error) {
	var out []PartitionArgs
	if root.EachVar != "" {
		for _, b := range batches(root.Each, batch) {
			out = append(out, PartitionArgs{Root: root.Name, Items: b})
		}
		return out, nil
	}
	recs, err := engine.RootRecords(ctx, p, o, root.Name)
	if err != nil {
		return nil, err
	}
	strs := make([]string, len(recs))
	for i, r := range recs {
		strs[i] = string(r)
	}
	for _, b := range batches(strs, batch) {
		out = append(out, PartitionArgs{Root: root.Name, Records: b})
	}
	return out, nil
}

// apply makes the run of p load partition a of its root.
func apply(p *plan.Plan, o *engine.Options, a *PartitionArgs) {
	root := p.Resource(a.Root)
	if root.EachVar != "" && a.Records == nil {
		root.Each = a.Items
		return
	}
	o.Records = map[string][]json.RawMessage{a.Root: rawRecords(a.Records)}
}

// permanent marks err as one that retrying cannot fix: River cancels
// the job instead of retrying it.
func permanent(err error) error { return river.JobCancel(err) }

// load runs p into the destination in one transaction. prepare adjusts
// the engine options (the partition's records) and returns what to do
// in the load's transaction before it commits.
func (q *Queue) load(ctx context.Context, env *Env, t Target, p *plan.Plan, prepare func(context.Context, *engine.Options) (func(context.Context, *sql.Tx) error, error)) error {
	start := time.Now()
	key := p.Name + "\x00" + t.Dest // serve's runs of one spec may load into several files
	dest, err := q.dests.get(ctx, key, func(ctx context.Context) (destinations.Destination, error) { return env.Dest(ctx, t, p.Name) })
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	var loadErr error
	defer func() { q.dests.put(key, dest, loadErr == nil) }()
	o, err := env.Options(ctx, p, dest)
	if err != nil {
		return err
	}
	o.Dest = dest
	if o.HTTPClient == nil {
		o.HTTPClient = q.hosts.client(t)
	}
	if o.SharedBudget, err = q.sharedBudget(ctx, p, o.Secrets); err != nil {
		return err
	}
	opened := time.Now()
	inTx, err := prepare(ctx, &o)
	if err != nil {
		return err
	}
	var loaded, completed time.Time
	o.BeforeCommit = func(ctx context.Context, tx destinations.Tx) error {
		loaded = time.Now()
		defer func() { completed = time.Now() }()
		if !q.inQueue(t) {
			return nil // River completes the job once the load committed
		}
		sqlTx, err := sqlTxOf(ctx, tx)
		if err != nil {
			return err
		}
		return inTx(ctx, sqlTx)
	}
	_, err = engine.Run(ctx, p, o)
	loadErr = err
	if err == nil {
		// Where a job's time goes, for tuning (pipe worker -v).
		q.log.Debug("job loaded", "spec", p.Name, "open", opened.Sub(start), "load", loaded.Sub(opened),
			"complete", completed.Sub(loaded), "commit", time.Since(completed))
	}
	return err
}

// complete completes job in tx, the load's transaction, if the job is
// still this attempt's: a worker that River presumed dead (it ran past
// Config.RescueAfter) and whose job another worker took over must not
// commit its load too. The job's row stays locked until the commit.
func (q *Queue) complete(ctx context.Context, tx *sql.Tx, job *rivertype.JobRow, completeTx func() error) error {
	query := "SELECT state, attempt FROM " + q.table("river_job") + " WHERE id = $1"
	if !q.sqlite {
		query += " FOR UPDATE"
	}
	var state string
	var attempt int
	if err := tx.QueryRowContext(ctx, query, job.ID).Scan(&state, &attempt); err != nil {
		return fmt.Errorf("job %d: %w", job.ID, err)
	}
	if state != string(rivertype.JobStateRunning) || attempt != job.Attempt {
		return fmt.Errorf("job %d attempt %d: %w (now %s, attempt %d)", job.ID, job.Attempt, ErrSuperseded, state, attempt)
	}
	if err := completeTx(); err != nil {
		return fmt.Errorf("job %d: complete: %w", job.ID, err)
	}
	return nil
}
