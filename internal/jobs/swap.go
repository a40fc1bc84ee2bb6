package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/state"
)

// A replace resource in the partitioned tree of a run is staged: every
// partition appends its rows to the run's staging tables (TABLE__pipe_runID
// and their child tables) and its cursors to the run's staging pipeline
// (PIPELINE#runID), and a SwapArgs job swaps them in when the run's last
// partition has completed, in one transaction: the live tables get the
// staged rows (and columns), the live pipeline the staged cursors.
//
// The last partition inserts the swap job itself, in the transaction
// that completes it: each completion of a staged run bumps the run's
// count in pipe_run_done in its own transaction, and the one that
// reaches the run's number of partitions inserts the job. The count
// commits with the completion, so exactly one completion sees the
// total, even when partitions finish together or are retried, and the
// swap follows the last commit without a job that polls.
//
// A run that never completes (a partition discarded or cancelled) leaves
// the live tables as they were; the next run of the spec drops its
// staging tables and cursors (dropDeadStaging).

// SwapArgs is the job that swaps the staged replace tables of a
// partitioned run in.
type SwapArgs struct {
	RunID  int64  `json:"run_id" river:"unique"`
	Target Target `json:"target"`
	Root   string `json:"root"`
}

// Kind is the River job kind of SwapArgs.
func (SwapArgs) Kind() string { return "pipe_swap" }

var _ river.JobArgs = SwapArgs{}

// swapWorker works SwapArgs.
type swapWorker struct {
	river.WorkerDefaults[SwapArgs]
	q   *Queue
	env *Env
}

var _ river.Worker[SwapArgs] = (*swapWorker)(nil)

// stagingTable is the staging table of live table table in run.
func stagingTable(table string, run int64, max int) string {
	return schema.Shorten(fmt.Sprintf("%s__pipe_run%d", table, run), max)
}

// stagingPipeline is the pipeline name under which a run's partitions
// keep the cursors of staged resources.
func stagingPipeline(pipeline string, run int64) string {
	return fmt.Sprintf("%s#run%d", pipeline, run)
}

// ensureRunDone creates the table that counts the completed partitions
// of staged runs.
func (q *Queue) ensureRunDone(ctx context.Context) error {
	_, err := q.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+q.table("pipe_run_done")+` (
	run_id bigint PRIMARY KEY,
	done integer NOT NULL
)`)
	return err
}

// partitionDone counts one more completed partition of a staged run in
// tx and, when it is the run's last, inserts the run's swap job in tx.
func (q *Queue) partitionDone(ctx context.Context, tx *sql.Tx, total int, swap SwapArgs) error {
	var done int
	err := tx.QueryRowContext(ctx, `INSERT INTO `+q.table("pipe_run_done")+` AS d (run_id, done) VALUES ($1, 1)
ON CONFLICT (run_id) DO UPDATE SET done = d.done + 1 RETURNING done`, swap.RunID).Scan(&done)
	if err != nil {
		return fmt.Errorf("run %d: count partitions: %w", swap.RunID, err)
	}
	if done < total {
		return nil
	}
	client := river.ClientFromContext[*sql.Tx](ctx)
	if _, err := client.InsertTx(ctx, tx, swap, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
		return fmt.Errorf("run %d: insert swap: %w", swap.RunID, err)
	}
	return nil
}

func (w *swapWorker) Work(ctx context.Context, job *river.Job[SwapArgs]) error {
	a := job.Args
	p, err := w.env.partitionPlan(a.Target, a.Root)
	if err != nil {
		return err
	}
	dest, err := w.env.Dest(ctx, a.Target, p.Name)
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	defer dest.Close()
	max := 0
	if l, ok := dest.(destinations.IdentLimiter); ok {
		max = l.MaxIdentifierLength()
	}
	staged := stagedResources(p, a.Root)
	tables, err := dest.Tables(ctx)
	if err != nil {
		return err
	}
	cursors, err := dest.State(ctx, stagingPipeline(p.Name, a.RunID))
	if err != nil {
		return err
	}
	start := time.Now()
	tx, err := dest.Begin(ctx, destinations.Load{ID: state.NewLoadID(start), Pipeline: p.Name, Started: start.UTC()})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	sqlTx, err := sqlTxOf(ctx, tx)
	if err != nil {
		return err
	}
	rows := map[string]int64{}
	for _, r := range staged {
		if err := w.q.swapIn(ctx, tx, sqlTx, tables, r.Table, stagingTable(r.Table, a.RunID, max), rows); err != nil {
			return fmt.Errorf("run %d: resource %q: swap: %w", a.RunID, r.Name, err)
		}
	}
	var names []string
	for _, r := range staged {
		names = append(names, r.Name)
	}
	if len(cursors) > 0 {
		if err := tx.SaveState(ctx, p.Name, cursors); err != nil {
			return err
		}
		if err := tx.ClearState(ctx, stagingPipeline(p.Name, a.RunID), names); err != nil {
			return err
		}
	}
	if _, err := sqlTx.ExecContext(ctx, "DELETE FROM "+w.q.table("pipe_run_done")+" WHERE run_id = $1", a.RunID); err != nil {
		return fmt.Errorf("run %d: %w", a.RunID, err)
	}
	if err := w.q.complete(ctx, sqlTx, job.JobRow, func() error {
		_, err := river.JobCompleteTx[riverdriver.Driver[*sql.Tx]](ctx, sqlTx, job)
		return err
	}); err != nil {
		return err
	}
	return tx.Commit(ctx, destinations.LoadStatus{Status: destinations.StatusCompleted, Finished: time.Now().UTC(), Rows: rows})
}

// swapIn replaces the rows of live table live and its child tables by
// those of its staging table staging and theirs, in tx: the live tables
// gain the staged columns (recorded in _pipe_schema as any load does),
// live tables without staged rows are emptied, and the staging tables
// are dropped. rows gets the rows of each live table.
func (q *Queue) swapIn(ctx context.Context, tx destinations.Tx, sqlTx *sql.Tx, tables []schema.Table, live, staging string, rows map[string]int64) error {
	byName := map[string]schema.Table{}
	for _, t := range tables {
		byName[t.Name] = t
	}
	liveTree := subtree(tables, live)
	for _, name := range liveTree {
		if _, err := sqlTx.ExecContext(ctx, "DELETE FROM "+q.ident(name)); err != nil {
			return fmt.Errorf("table %q: empty: %w", name, err)
		}
		rows[name] = 0
	}
	liveOf := map[string]string{staging: live}
	for _, name := range subtree(tables, staging) {
		st := byName[name]
		target := liveOf[name]
		if target == "" {
			parent, ok := liveOf[st.Parent]
			suffix, cut := strings.CutPrefix(name, st.Parent)
			if !ok || !cut {
				return fmt.Errorf("staging table %q: its live table is unknown (name shortened)", name)
			}
			target = parent + suffix
			liveOf[name] = target
		}
		t := schema.Table{Name: target, Columns: st.Columns}
		if st.Parent != "" {
			t.Parent = liveOf[st.Parent]
		}
		if old, ok := byName[target]; ok {
			t.Parent = old.Parent
		}
		if err := tx.EnsureTable(ctx, &t, nil); err != nil {
			return err
		}
		cols := make([]string, len(st.Columns))
		for i, c := range st.Columns {
			cols[i] = pq.QuoteIdentifier(c.Name)
		}
		list := strings.Join(cols, ", ")
		res, err := sqlTx.ExecContext(ctx, "INSERT INTO "+q.ident(target)+" ("+list+") SELECT "+list+" FROM "+q.ident(name))
		if err != nil {
			return fmt.Errorf("table %q: copy %q: %w", target, name, err)
		}
		n, _ := res.RowsAffected()
		rows[target] = n
	}
	return q.dropStaging(ctx, sqlTx, tables, staging)
}

// dropStaging drops staging and its child tables and their records.
func (q *Queue) dropStaging(ctx context.Context, tx *sql.Tx, tables []schema.Table, staging string) error {
	tree := subtree(tables, staging)
	for i := len(tree) - 1; i >= 0; i-- {
		if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+q.ident(tree[i])); err != nil {
			return fmt.Errorf("staging table %q: drop: %w", tree[i], err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+q.ident(destinations.SchemaTable)+" WHERE table_name = $1", tree[i]); err != nil {
			return fmt.Errorf("staging table %q: forget: %w", tree[i], err)
		}
	}
	return nil
}

// subtree returns root and every table below it among tables, parents
// first; nil when root is not among them.
func subtree(tables []schema.Table, root string) []string {
	var out []string
	in := map[string]bool{}
	for _, t := range tables {
		if t.Name == root {
			out, in[root] = append(out, root), true
		}
	}
	for i := 0; i < len(out); i++ {
		for _, t := range tables {
			if t.Parent == out[i] && !in[t.Name] {
				out, in[t.Name] = append(out, t.Name), true
			}
		}
	}
	return out
}

// ident quotes a table of the queue's schema.
func (q *Queue) ident(name string) string { return q.table(pq.QuoteIdentifier(name)) }

// sqlTxOf returns the database/sql transaction of a destination's Tx.
func sqlTxOf(ctx context.Context, tx destinations.Tx) (*sql.Tx, error) {
	st, ok := tx.(destinations.SQLTxer)
	if !ok {
		return nil, fmt.Errorf("destination cannot complete a job in its transaction (want a SQL destination in the queue's database)")
	}
	return st.SQLTx(ctx)
}

// dropDeadStaging drops, in tx, the staging tables and cursors that
// earlier runs of pipeline left for the live tables live and will not
// swap in: runs none of whose jobs (run, partitions, swap) can still
// run. Run current is the caller's own.
func (q *Queue) dropDeadStaging(ctx context.Context, tx *sql.Tx, pipeline string, current int64, tables []schema.Table, live []string, max int) error {
	for _, t := range tables {
		if t.Parent != "" {
			continue
		}
		for _, l := range live {
			digits, ok := strings.CutPrefix(t.Name, l+"__pipe_run")
			run, err := strconv.ParseInt(digits, 10, 64)
			if !ok || err != nil || run == current || stagingTable(l, run, max) != t.Name {
				continue
			}
			alive, err := q.runAlive(ctx, tx, run)
			if err != nil {
				return err
			}
			if alive {
				continue
			}
			if err := q.dropStaging(ctx, tx, tables, t.Name); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+q.ident(destinations.StateTable)+" WHERE pipeline = $1", stagingPipeline(pipeline, run)); err != nil {
				return fmt.Errorf("run %d: staged cursors: %w", run, err)
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+q.table("pipe_run_done")+" WHERE run_id = $1", run); err != nil {
				return fmt.Errorf("run %d: %w", run, err)
			}
			q.log.Info("dropped the staging tables of a run that ended without swapping them in", "pipeline", pipeline, "run", run, "table", t.Name)
		}
	}
	return nil
}

// runAlive reports whether a job of run may still run: the run's own,
// a partition or its swap, in a state other than completed, cancelled
// or discarded. Only partitioned runs stage, so only on Postgres.
func (q *Queue) runAlive(ctx context.Context, tx *sql.Tx, run int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+q.table("river_job")+`
WHERE (id = $1 OR (kind IN ('pipe_partition', 'pipe_swap') AND (args->>'run_id')::bigint = $1))
AND state NOT IN ('completed', 'cancelled', 'discarded')`, run).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("run %d: jobs: %w", run, err)
	}
	return n > 0, nil
}
