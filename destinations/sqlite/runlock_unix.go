//go:build unix

package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations/sqlload"
)

var _ sqlload.RunLocker = (*Dialect)(nil)

// LockRun takes the run lock as flock(2) on the file beside the
// database named by lockSuffix, one for every pipeline loading into the
// file: alone thus means that no other run of any pipeline is loading
// into this database, which proves the runs of pipeline dead too. The
// kernel releases the lock when the process ends, however it ends.
// Converting the exclusive lock to a shared one is not atomic, which is
// harmless: the load has no row in _pipe_loads before LockRun returns.
func (d *Dialect) LockRun(ctx context.Context, _ *sqlx.DB, pipeline string) (bool, func() error, error) {
	if d.path == "" {
		return false, func() error { return nil }, nil
	}
	name := d.path + lockSuffix
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return false, nil, err
	}
	fd := int(f.Fd())
	alone := true
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return false, nil, fmt.Errorf("lock %s: %w", name, err)
		}
		alone = false
	}
	// A shared lock waits only for a run that holds the lock exclusively
	// while it begins, which is brief.
	for {
		err := syscall.Flock(fd, syscall.LOCK_SH)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EINTR) {
			f.Close()
			return false, nil, fmt.Errorf("lock %s: %w", name, err)
		}
		if ctx.Err() != nil {
			f.Close()
			return false, nil, ctx.Err()
		}
	}
	return alone, f.Close, nil
}
