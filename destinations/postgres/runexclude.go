package postgres

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/sqlload"
)

var _ sqlload.RunExcluder = (*Dialect)(nil)

// ExcludeRuns takes the run lock of pipeline in the dataset (see
// LockRun) exclusively, on a connection it keeps until release: runs
// hold it shared, so it waits for them, and runs that start meanwhile
// wait for it. The database releases it if the process dies.
func (d *Dialect) ExcludeRuns(ctx context.Context, db *sqlx.DB, pipeline string, wait bool) (func() error, error) {
	s, err := openLockSession(ctx, db, d.runKey(pipeline))
	if err != nil {
		return nil, err
	}
	if wait {
		if err := s.call(ctx, "advisory lock", "pg_advisory_lock"); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("advisory lock %q: %w while waiting for a run to end", s.key, ctx.Err())
			}
			return nil, err
		}
	} else {
		ok, err := s.try(ctx, "pg_try_advisory_lock")
		if err != nil {
			return nil, err
		}
		if !ok {
			s.conn.Close()
			return nil, fmt.Errorf("advisory lock %q: %w", s.key, destinations.ErrRunInProgress)
		}
	}
	return s.release("pg_advisory_unlock"), nil
}
