package postgres

import (
	"context"
	"database/sql/driver"
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
	conn, err := d.DB().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres lock %q: %w", name, err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(hashtext($1))", name); err != nil {
		// Discarding the connection ends the session, dropping any lock
		// granted as the wait was cancelled.
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
			return fmt.Errorf("postgres unlock %q: already released", name)
		}
		released = true
		defer conn.Close()
		uctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var ok bool
		if err := conn.QueryRowContext(uctx, "SELECT pg_advisory_unlock(hashtext($1))", name).Scan(&ok); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
			return fmt.Errorf("postgres unlock %q: %w", name, err)
		}
		if !ok {
			return fmt.Errorf("postgres unlock %q: lock was not held", name)
		}
		return nil
	}, nil
}
