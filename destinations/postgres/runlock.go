package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"

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
	d.runs.add(pipeline, s)
	release := s.release("pg_advisory_unlock_shared")
	return alone, func() error {
		d.runs.remove(pipeline, s)
		return release()
	}, nil
}

var _ sqlload.RunLockProber = (*Dialect)(nil)

// RunLockHeld fails when a session holding a run lock of pipeline has
// ended (an administrator's pg_terminate_backend, a proxy's idle
// timeout): the database dropped its advisory lock with it, so another
// pipe command (state reset, a run that proves this one dead) may have
// run meanwhile.
func (d *Dialect) RunLockHeld(ctx context.Context, pipeline string) error {
	for _, s := range d.runs.of(pipeline) {
		var one int
		if err := s.conn.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			return fmt.Errorf("postgres: the session that held the run lock of pipeline %q ended (%v), and the database released the lock with it: another pipe command may have changed the pipeline's tables or state since, so this load commits nothing more (run again)", pipeline, err)
		}
	}
	return nil
}

// heldRuns are the run lock sessions of a Dialect, by pipeline.
type heldRuns struct {
	mu sync.Mutex
	by map[string][]*lockSession
}

func (h *heldRuns) add(pipeline string, s *lockSession) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.by == nil {
		h.by = map[string][]*lockSession{}
	}
	h.by[pipeline] = append(h.by[pipeline], s)
}

func (h *heldRuns) remove(pipeline string, s *lockSession) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.by[pipeline] = slices.DeleteFunc(h.by[pipeline], func(x *lockSession) bool { return x == s })
}

func (h *heldRuns) of(pipeline string) []*lockSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.by[pipeline])
}
