package sqlload

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations"
)

// RunExcluder is an optional interface of a Dialect with a RunLocker
// whose run lock can also be taken exclusively, which keeps every run of
// the pipeline out (see destinations.RunExcluder). Without it SQL's
// ExcludeRuns fails and pipe state reset refuses to run.
type RunExcluder interface {
	// ExcludeRuns takes the run lock of pipeline exclusively, as
	// destinations.RunExcluder describes; db is the destination's pool.
	ExcludeRuns(ctx context.Context, db *sqlx.DB, pipeline string, wait bool) (release func() error, err error)
}

var _ destinations.RunExcluder = (*SQL)(nil)

// ExcludeRuns takes the run lock of pipeline exclusively through the
// dialect (see RunExcluder). Runs take the lock before they read the
// pipeline's state (State), so a run either read the state after the
// caller released it or holds the lock and makes the caller wait.
func (s *SQL) ExcludeRuns(ctx context.Context, pipeline string, wait bool) (func() error, error) {
	x, ok := s.dialect.(RunExcluder)
	if !ok {
		return nil, fmt.Errorf("%s: run lock of pipeline %q: the destination cannot keep runs out", s.dialect.Name(), pipeline)
	}
	release, err := x.ExcludeRuns(ctx, s.db, pipeline, wait)
	if err != nil {
		return nil, fmt.Errorf("%s: run lock of pipeline %q: %w", s.dialect.Name(), pipeline, err)
	}
	return release, nil
}

// holdRun takes the run lock of pipeline for the load that will begin
// next (State calls it, so that a run holds the lock from the moment it
// reads its cursors, see RunExcluder), unless it holds it for that load
// already.
func (s *SQL) holdRun(ctx context.Context, pipeline string) error {
	if _, ok := s.pending[pipeline]; ok {
		return nil
	}
	l, ok := s.dialect.(RunLocker)
	if !ok {
		return nil
	}
	r := &runLock{}
	var err error
	if r.alone, r.release, err = l.LockRun(ctx, s.db, pipeline); err != nil {
		return fmt.Errorf("run lock of pipeline %q: %w", pipeline, err)
	}
	if s.pending == nil {
		s.pending = map[string]*runLock{}
	}
	s.pending[pipeline] = r
	return nil
}
