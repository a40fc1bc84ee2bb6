package sqlload

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations"
)

// RunLocker is an optional interface of a Dialect whose database can
// tell a live run of a pipeline from a dead one, so that SQL can mark
// the loads that dead runs left running as interrupted.
//
// The rule: every load holds its pipeline's run lock, shared, from its
// first Begin until its final Commit (or Close); a run that reads the
// pipeline's state first takes it there (State), for the load it then
// begins. A load that could take
// the lock exclusively when it began knows that no other process held
// it, so every other load of the pipeline still recorded as running in
// _pipe_loads belongs to a process that ended without finishing it: SQL
// marks those destinations.StatusInterrupted in the load's transactions.
// A load that finds the lock shared with another run marks nothing.
// Without RunLocker, loads left running stay running.
type RunLocker interface {
	// LockRun takes the run lock of pipeline for one load and holds it,
	// shared with other runs, until release is called or the process
	// ends. It first tries to take it exclusively without waiting; alone
	// reports whether that succeeded. It may wait, bounded by ctx, for a
	// run that holds the lock exclusively while it begins. SQL calls it
	// once per load, before the load's first transaction; db is the
	// destination's pool.
	LockRun(ctx context.Context, db *sqlx.DB, pipeline string) (alone bool, release func() error, err error)
}

// RunLockProber is an optional interface of a RunLocker whose locks can
// be lost while held: Postgres' advisory lock ends with the session that
// holds it, which an administrator or a proxy may end. SQL asks before
// each commit of a load that holds the lock; an error fails the load, so
// that a run that lost its lock does not commit as if it held it.
type RunLockProber interface {
	RunLockHeld(ctx context.Context, pipeline string) error
}

// runLock is the run lock a load holds, and what SQL keeps of the load
// from one of its transactions to the next.
type runLock struct {
	alone   bool
	release func() error
	// merged counts the existing roots the load's merges have found, for
	// MergeTuner.
	merged int
	// kept holds, per root table, the roots with origin columns that the
	// load met already stored from an earlier load and left unwritten,
	// with their origin (see sql_origin.go).
	kept map[string]map[uint64]uint64
	// staged holds, per root table, the ids of the roots the load staged
	// for replace (see sql_replace_again.go); nil once too many.
	staged map[string]*idFilter
	// groups holds, per root table, the merge_key values whose rows of
	// earlier loads the load deleted (see sql_merge_key.go).
	groups map[string]map[string]bool
}

// lockRun returns the run lock of load, taking it at the load's first
// Begin.
func (s *SQL) lockRun(ctx context.Context, load destinations.Load) (*runLock, error) {
	if r, ok := s.runs[load.ID]; ok {
		return r, nil
	}
	if r, ok := s.pending[load.Pipeline]; ok { // taken by State
		delete(s.pending, load.Pipeline)
		s.runs[load.ID] = r
		return r, nil
	}
	r := &runLock{}
	if l, ok := s.dialect.(RunLocker); ok {
		var err error
		if r.alone, r.release, err = l.LockRun(ctx, s.db, load.Pipeline); err != nil {
			return nil, fmt.Errorf("run lock of pipeline %q: %w", load.Pipeline, err)
		}
	}
	s.runs[load.ID] = r
	return r, nil
}

// unlockRun releases the run lock of a load that ended.
func (s *SQL) unlockRun(loadID string) {
	r, ok := s.runs[loadID]
	if !ok {
		return
	}
	delete(s.runs, loadID)
	if r.release != nil {
		if err := r.release(); err != nil {
			s.log.Warn("releasing run lock", "destination", s.dialect.Name(), "load", loadID, "error", err)
		}
	}
}

// markInterrupted marks the loads of load's pipeline that are still
// running, other than load, as interrupted: the caller holds the run
// lock alone, so no process runs them (see RunLocker).
func markInterrupted(ctx context.Context, tx *sqlx.Tx, d Dialect, load destinations.Load) (int64, error) {
	q := fmt.Sprintf("UPDATE %s SET %s = %s, %s = %s WHERE %s = %s AND %s = %s AND %s <> %s",
		d.Table(destinations.LoadsTable),
		d.Quote("status"), d.Placeholder(1),
		d.Quote("error"), d.Placeholder(2),
		d.Quote("pipeline"), d.Placeholder(3),
		d.Quote("status"), d.Placeholder(4),
		d.Quote("load_id"), d.Placeholder(5))
	msg := fmt.Sprintf("the process running the load ended before finishing it (found by load %s)", load.ID)
	res, err := tx.ExecContext(ctx, q, destinations.StatusInterrupted, msg, load.Pipeline, destinations.StatusRunning, load.ID)
	if err != nil {
		return 0, fmt.Errorf("table %q: mark interrupted loads: %w", destinations.LoadsTable, err)
	}
	return res.RowsAffected()
}
