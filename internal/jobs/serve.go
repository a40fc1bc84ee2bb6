package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/pipe-etl/pipe/engine/plan"
)

// ServeConfig configures Serve.
type ServeConfig struct {
	// Read returns the schedules of the schedule file. Serve calls it at
	// start, where an error stops it, and each time Wait returns, where
	// an error is logged and the schedules in force stay.
	Read func(ctx context.Context) ([]Schedule, error)
	// Wait blocks until the schedules should be read again (the file
	// changed, or SIGHUP) or ctx ends.
	Wait func(ctx context.Context) error
	// Grace is how long running jobs may go on once ctx ends; then they
	// are cancelled, their loads roll back, and the next Serve runs them
	// again.
	Grace time.Duration
}

// Serve works the embedded SQLite queue on one machine until ctx ends,
// with the schedules of ServeConfig.Read in force (they replace those
// stored). The caller must hold the queue's serve lock (LockServe): a job
// left running by a Serve that died is then known dead, and Serve makes
// it available again before it starts.
func (q *Queue) Serve(ctx context.Context, c ServeConfig) error {
	if !q.sqlite {
		return errors.New("queue: serve runs the SQLite queue only (use pipe worker with Postgres)")
	}
	if err := q.requeueOrphans(ctx); err != nil {
		return err
	}
	ss, err := c.Read(ctx)
	if err != nil {
		return err
	}
	if err := q.ReplaceSchedules(ctx, ss); err != nil {
		return err
	}
	have := map[string]string{}
	if err := q.syncSchedules(ctx, have); err != nil {
		return err
	}
	// River stops hard when the context given to Start ends; a signal
	// should stop it gently instead.
	if err := q.Client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("queue: start: %w", err)
	}
	for c.Wait(ctx) == nil && ctx.Err() == nil {
		ss, err := c.Read(ctx)
		if err != nil {
			q.log.Error("schedules not reloaded; those in force stay", "error", err)
			continue
		}
		q.apply(ctx, ss, have)
	}
	return q.stop(ctx, c.Grace)
}

// apply stores ss and gives them to River, trying again every second
// while the queue's file is busy (a load into it holds SQLite's one
// write lock), until it succeeds or ctx ends.
func (q *Queue) apply(ctx context.Context, ss []Schedule, have map[string]string) {
	for {
		err := q.ReplaceSchedules(ctx, ss)
		if err == nil {
			err = q.syncSchedules(ctx, have)
		}
		if err == nil {
			q.log.Info("schedules reloaded", "schedules", len(ss))
			return
		}
		if ctx.Err() != nil {
			return
		}
		q.log.Warn("schedules not stored yet; trying again", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// stop lets running jobs finish within grace, then cancels them.
func (q *Queue) stop(ctx context.Context, grace time.Duration) error {
	soft, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := q.Client.Stop(soft); err == nil {
		return nil
	}
	q.log.Warn("jobs still running after the grace period: cancelling them (their loads roll back and run again at the next start)", "grace", grace)
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	return q.Client.StopAndCancel(hard)
}

// requeueOrphans makes the jobs that a dead Serve left running
// available again. Only the holder of the serve lock may call it.
func (q *Queue) requeueOrphans(ctx context.Context) error {
	res, err := q.db.ExecContext(ctx, "UPDATE "+q.table("river_job")+" SET state = $1 WHERE state = $2",
		string(rivertype.JobStateAvailable), string(rivertype.JobStateRunning))
	if err != nil {
		return fmt.Errorf("queue: requeue jobs of a stopped serve: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		q.log.Warn("jobs left running by a stopped pipe serve run again", "jobs", n)
	}
	return nil
}

// partitionRoot returns the resource a run of p is partitioned on (see
// the package function), or nil on the embedded queue: SQLite has one
// writer, so a run there is one job that loads everything in one
// transaction.
func (q *Queue) partitionRoot(p *plan.Plan) *plan.Resource {
	if q.sqlite {
		return nil
	}
	return partitionRoot(p)
}

// inQueue reports whether t loads into the queue's own database, where
// its job completes in its load's transaction: always on Postgres; on
// SQLite when t.Dest is the queue's file.
func (q *Queue) inQueue(t Target) bool {
	if !q.sqlite {
		return true
	}
	return sameFile(q.file, t.Dest)
}

// sameFile reports whether two paths name one file: the same file when
// both exist, else the same absolute path.
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	sa, erra := os.Stat(a)
	sb, errb := os.Stat(b)
	if erra == nil && errb == nil {
		return os.SameFile(sa, sb)
	}
	aa, erra := filepath.Abs(a)
	ab, errb := filepath.Abs(b)
	return erra == nil && errb == nil && aa == ab
}
