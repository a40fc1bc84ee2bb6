package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"

	"github.com/pipe-etl/pipe/destinations/sqlload"
)

var _ sqlload.Explainer = (*Dialect)(nil)

// Explain adds to SQLite's "database is locked" which file's write lock
// another process held past the busy timeout.
func (d *Dialect) Explain(err error) error {
	var serr sqlite3.Error
	if d.path == "" || !errors.As(err, &serr) || serr.Code != sqlite3.ErrBusy && serr.Code != sqlite3.ErrLocked {
		return err
	}
	return fmt.Errorf("%w: another process (another pipe run into this file, an application, a sqlite3 shell in a transaction) held the write lock of %s for more than %d s; run again once it is done", err, d.path, busyTimeoutMS/1000)
}

// sayIfLocked tells, before a load's transaction waits for the file's
// write lock, that another process holds it: a wait of up to the busy
// timeout that would otherwise pass in silence. It tries the lock once
// without waiting.
func (d *Dialect) sayIfLocked(ctx context.Context, conn *sqlx.Conn) error {
	if d.path == "" || d.log == nil {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return fmt.Errorf("busy_timeout: %w", err)
	}
	_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	if err == nil {
		_, err = conn.ExecContext(ctx, "ROLLBACK")
	} else {
		var serr sqlite3.Error
		if errors.As(err, &serr) && (serr.Code == sqlite3.ErrBusy || serr.Code == sqlite3.ErrLocked) {
			d.log.Warn("waiting for the database file's write lock, which another process holds", "file", d.path, "up_to", fmt.Sprintf("%d s", busyTimeoutMS/1000))
			err = nil
		}
	}
	if _, rerr := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeoutMS)); rerr != nil && err == nil {
		err = fmt.Errorf("busy_timeout: %w", rerr)
	}
	return err
}
