package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"

	"github.com/pipe-etl/pipe/destinations/sqlload"
)

var _ sqlload.Explainer = (*Dialect)(nil)

// Explain adds to SQLite's "database is locked" which file's write lock
// another process held past the busy timeout, and to "attempt to write a
// readonly database" whether the file or its directory is not writable.
func (d *Dialect) Explain(err error) error {
	var serr sqlite3.Error
	if d.path == "" || !errors.As(err, &serr) {
		return err
	}
	if serr.Code == sqlite3.ErrReadonly || serr.Code == sqlite3.ErrCantOpen {
		if why := whyNotWritable(d.path); why != "" {
			return fmt.Errorf("%w (%s)", err, why)
		}
		return err
	}
	if serr.Code != sqlite3.ErrBusy && serr.Code != sqlite3.ErrLocked {
		return err
	}
	return fmt.Errorf("%w: another process (another pipe run into this file, an application, a sqlite3 shell in a transaction) held the write lock of %s for more than %d s; run again once it is done", err, d.path, busyTimeoutMS/1000)
}

// waitForWriteLock waits, before a load's transaction begins, until no
// other process holds the file's write lock: it tries the lock without
// waiting, every 100 ms, for up to the busy timeout, saying once that it
// waits (a warning naming the file), and it stops at once when ctx ends
// (a Ctrl-C), where SQLite's own busy wait, in C, would not.
func (d *Dialect) waitForWriteLock(ctx context.Context, conn *sqlx.Conn) (err error) {
	if d.path == "" {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return fmt.Errorf("busy_timeout: %w", err)
	}
	defer func() {
		_, rerr := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeoutMS))
		if rerr != nil && err == nil {
			err = fmt.Errorf("busy_timeout: %w", rerr)
		}
	}()
	deadline := time.Now().Add(busyTimeoutMS * time.Millisecond)
	for warned := false; ; {
		_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
		if err == nil {
			_, err = conn.ExecContext(ctx, "ROLLBACK")
			return err
		}
		var serr sqlite3.Error
		if !errors.As(err, &serr) || serr.Code != sqlite3.ErrBusy && serr.Code != sqlite3.ErrLocked {
			return err
		}
		if !warned && d.log != nil {
			d.log.Warn("waiting for the database file's write lock, which another process holds", "file", d.path, "up_to", fmt.Sprintf("%d s", busyTimeoutMS/1000))
			warned = true
		}
		if time.Now().After(deadline) {
			return d.Explain(err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the write lock of %s: %w", d.path, context.Cause(ctx))
		case <-time.After(100 * time.Millisecond):
		}
	}
}
