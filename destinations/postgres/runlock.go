package postgres

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations/sqlload"
)

var _ sqlload.RunLocker = (*Dialect)(nil)

// LockRun takes the run lock of pipeline in the dataset as the
// session-level advisory lock hashtext('pipe run DATASET.PIPELINE'), on
// a connection it keeps until release: exclusively if no other session
// holds it (then alone), and shared in any case. The database releases
// it when the session ends, however the process ends.
func (d *Dialect) LockRun(ctx context.Context, db *sqlx.DB, pipeline string) (bool, func() error, error) {
	key := "pipe run " + d.dataset + "." + pipeline
	conn, err := db.Conn(ctx)
	if err != nil {
		return false, nil, err
	}
	discard := func() {
		// Ending the session drops whatever it holds.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
	}
	var alone bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(hashtext($1))", key).Scan(&alone); err != nil {
		discard()
		return false, nil, fmt.Errorf("advisory lock %q: %w", key, err)
	}
	// A session's own locks never block it, so the shared lock is granted
	// beside the exclusive one, which is then dropped: no gap.
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock_shared(hashtext($1))", key); err != nil {
		discard()
		return false, nil, fmt.Errorf("advisory lock %q: %w", key, err)
	}
	if alone {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock(hashtext($1))", key); err != nil {
			discard()
			return false, nil, fmt.Errorf("advisory unlock %q: %w", key, err)
		}
	}
	return alone, func() error {
		uctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var ok bool
		if err := conn.QueryRowContext(uctx, "SELECT pg_advisory_unlock_shared(hashtext($1))", key).Scan(&ok); err != nil || !ok {
			discard()
			if err == nil {
				err = fmt.Errorf("not held")
			}
			return fmt.Errorf("advisory unlock %q: %w", key, err)
		}
		return conn.Close()
	}, nil
}
