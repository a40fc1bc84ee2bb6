package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/sqlload"
)

// Destination is a Postgres dataset as a destination: the generic SQL
// loader with the Postgres dialect, plus the advisory locks of the
// database.
type Destination struct {
	*sqlload.SQL
}

var (
	_ destinations.Destination    = (*Destination)(nil)
	_ destinations.AdvisoryLocker = (*Destination)(nil)
)

// Lock takes the session-level advisory lock hashtext(name) on a
// connection of its own, so that every process using the database,
// on any machine, is serialised; the database releases it if the
// process dies. The unlock function gives the connection back to the
// pool only once the lock is released; if it cannot tell, it discards
// the connection so that no pooled session keeps the lock by mistake.
func (d *Destination) Lock(ctx context.Context, name string) (func() error, error) {
	s, err := openLockSession(ctx, d.DB(), name)
	if err != nil {
		return nil, fmt.Errorf("postgres lock %q: %w", name, err)
	}
	if err := s.call(ctx, "postgres lock", "pg_advisory_lock"); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	released := false
	return func() error {
		if released {
			return fmt.Errorf("postgres unlock %q: already released", name)
		}
		released = true
		uctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var ok bool
		if err := s.conn.QueryRowContext(uctx, "SELECT pg_advisory_unlock(hashtext($1))", name).Scan(&ok); err != nil {
			s.discard()
			return fmt.Errorf("postgres unlock %q: %w", name, err)
		}
		s.conn.Close()
		if !ok {
			return fmt.Errorf("postgres unlock %q: lock was not held", name)
		}
		return nil
	}, nil
}
