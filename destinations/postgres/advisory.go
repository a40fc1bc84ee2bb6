package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// runKey names the advisory lock of pipeline's runs in the dataset; the
// lock is hashtext of it.
func (d *Dialect) runKey(pipeline string) string {
	return "pipe run " + d.dataset + "." + pipeline
}

// lockSession is a connection of its own that holds session-level
// advisory locks on one key until release, or until the session ends
// however the process ends.
type lockSession struct {
	conn *sql.Conn
	key  string
}

func openLockSession(ctx context.Context, db *sqlx.DB, key string) (*lockSession, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &lockSession{conn: conn, key: key}, nil
}

// discard ends the session, which drops whatever it holds, a lock
// granted as a wait was cancelled included.
func (s *lockSession) discard() {
	s.conn.Raw(func(any) error { return driver.ErrBadConn })
	s.conn.Close()
}

// try calls the advisory lock function fn (a pg_try_… one) on the key
// and returns whether it was granted; on error the session is discarded.
func (s *lockSession) try(ctx context.Context, fn string) (bool, error) {
	var ok bool
	if err := s.conn.QueryRowContext(ctx, "SELECT "+fn+"(hashtext($1))", s.key).Scan(&ok); err != nil {
		s.discard()
		return false, fmt.Errorf("advisory lock %q: %w", s.key, err)
	}
	return ok, nil
}

// call calls the advisory lock function fn on the key, what naming the
// step in the error ("advisory lock"); on error the session is
// discarded.
func (s *lockSession) call(ctx context.Context, what, fn string) error {
	if _, err := s.conn.ExecContext(ctx, "SELECT "+fn+"(hashtext($1))", s.key); err != nil {
		s.discard()
		return fmt.Errorf("%s %q: %w", what, s.key, err)
	}
	return nil
}

// release returns the function that gives the lock back with unlock (the
// pg_advisory_unlock… function matching how it was taken) and closes
// the session. It does not take the caller's context, so a cancelled
// run still unlocks; if the unlock fails or finds nothing held, the
// session is ended instead.
func (s *lockSession) release(unlock string) func() error {
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var ok bool
		if err := s.conn.QueryRowContext(ctx, "SELECT "+unlock+"(hashtext($1))", s.key).Scan(&ok); err != nil || !ok {
			s.discard()
			if err == nil {
				err = errors.New("not held")
			}
			return fmt.Errorf("advisory unlock %q: %w", s.key, err)
		}
		return s.conn.Close()
	}
}
