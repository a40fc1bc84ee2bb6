//go:build unix

package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/sqlload"
)

var _ sqlload.RunExcluder = (*Dialect)(nil)

// excludePoll is how often ExcludeRuns tries the lock again while a run
// holds it: flock(2) cannot wait with a deadline, so it polls.
const excludePoll = 100 * time.Millisecond

// ExcludeRuns takes the run lock file (see LockRun) exclusively. The
// lock is per database file, so it waits for the runs of every pipeline
// loading into the file, not only pipeline's.
func (d *Dialect) ExcludeRuns(ctx context.Context, _ *sqlx.DB, _ string, wait bool) (func() error, error) {
	if d.path == "" {
		return nil, fmt.Errorf("no database file to lock")
	}
	name := d.path + lockSuffix
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f.Close, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", name, err)
		}
		if errors.Is(err, syscall.EWOULDBLOCK) && !wait {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", name, destinations.ErrRunInProgress)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock %s: %w while waiting for a run to end", name, ctx.Err())
		case <-time.After(excludePoll):
		}
	}
}
