package credentials

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"
)

// PostgresLocker locks with a session-level advisory lock,
// pg_advisory_lock(hashtext(name)), held on a dedicated connection taken
// from DB for as long as the lock is held. For teams whose state is in
// Postgres: every machine that shares the database shares the lock. If
// the process dies its connection closes and the server releases the
// lock. Two names whose hashes collide merely serialise each other.
type PostgresLocker struct {
	DB *sql.DB
}

// Lock waits for the advisory lock of name. Cancelling ctx cancels the wait.
func (l PostgresLocker) Lock(ctx context.Context, name string) (func() error, error) {
	if l.DB == nil {
		return nil, fmt.Errorf("postgres lock %q: no database", name)
	}
	conn, err := l.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres lock %q: %w", name, err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(hashtext($1))", name); err != nil {
		// Discarding the connection (not returning it to the pool) ends
		// the session, dropping any lock granted as the wait was cancelled.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("postgres lock %q: %w", name, err)
	}
	released := false
	return func() error {
		if released {
			return ErrLockLost
		}
		released = true
		// ErrBadConn from Raw makes database/sql discard the connection
		// rather than pool a session that might still hold the lock.
		defer conn.Close()
		uctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var ok bool
		if err := conn.QueryRowContext(uctx, "SELECT pg_advisory_unlock(hashtext($1))", name).Scan(&ok); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
			return fmt.Errorf("postgres unlock %q: %w", name, err)
		}
		if !ok {
			return fmt.Errorf("postgres unlock %q: %w", name, ErrLockLost)
		}
		return nil
	}, nil
}

var _ Locker = PostgresLocker{}
