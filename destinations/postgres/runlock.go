package postgres

import (
	"context"

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
	s, err := openLockSession(ctx, db, d.runKey(pipeline))
	if err != nil {
		return false, nil, err
	}
	alone, err := s.try(ctx, "pg_try_advisory_lock")
	if err != nil {
		return false, nil, err
	}
	// A session's own locks never block it, so the shared lock is granted
	// beside the exclusive one, which is then dropped: no gap.
	if err := s.call(ctx, "advisory lock", "pg_advisory_lock_shared"); err != nil {
		return false, nil, err
	}
	if alone {
		if err := s.call(ctx, "advisory unlock", "pg_advisory_unlock"); err != nil {
			return false, nil, err
		}
	}
	return alone, s.release("pg_advisory_unlock_shared"), nil
}
