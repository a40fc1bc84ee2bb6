package postgres

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

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
	key := "pipe run " + d.dataset + "." + pipeline
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	discard := func() {
		// Ending the session drops whatever it holds, a lock granted as
		// the wait was cancelled included.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
	}
	if wait {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(hashtext($1))", key); err != nil {
			discard()
			if ctx.Err() != nil {
				return nil, fmt.Errorf("advisory lock %q: %w while waiting for a run to end", key, ctx.Err())
			}
			return nil, fmt.Errorf("advisory lock %q: %w", key, err)
		}
	} else {
		var ok bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(hashtext($1))", key).Scan(&ok); err != nil {
			discard()
			return nil, fmt.Errorf("advisory lock %q: %w", key, err)
		}
		if !ok {
			conn.Close()
			return nil, fmt.Errorf("advisory lock %q: %w", key, destinations.ErrRunInProgress)
		}
	}
	return func() error {
		uctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var ok bool
		if err := conn.QueryRowContext(uctx, "SELECT pg_advisory_unlock(hashtext($1))", key).Scan(&ok); err != nil || !ok {
			discard()
			if err == nil {
				err = fmt.Errorf("not held")
			}
			return fmt.Errorf("advisory unlock %q: %w", key, err)
		}
		return conn.Close()
	}, nil
}
