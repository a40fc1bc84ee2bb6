package sqlload

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/state"
)

// sqlTx is the Tx of SQL: one database transaction.
type sqlTx struct {
	s    *SQL
	d    Dialect
	load destinations.Load
	run  *runLock
	tx   *sqlx.Tx
	ins  Inserter
	done bool

	// conn and hooks are set when the dialect needs a dedicated
	// connection (TxHooks).
	conn  *sqlx.Conn
	hooks TxHooks

	// schemas is the latest schema of each data table, including the
	// changes of this transaction.
	schemas map[string]*tableRecord
	// staged and unstaged are the staging tables this transaction
	// created and swapped away, applied to SQL.staged at Commit.
	staged   map[string]bool
	unstaged map[string]bool
	// created and built are the tables this transaction created with
	// deferred indexes and the deferred indexes it built, applied to
	// SQL.deferred at Commit.
	created map[string]*deferred
	built   map[string]built
	// stmts are statements prepared in this transaction, by text.
	stmts map[string]*sqlx.Stmt
	// counts are what the writes did to each table's rows.
	counts map[string]*destinations.RowCounts
	// mergeTuned is set once the dialect's merge settings apply.
	mergeTuned bool
	// mergeKeyed names the root tables whose merge_key index this
	// transaction made sure of (sql_merge_key.go).
	mergeKeyed map[string]bool
}

var _ destinations.Tx = (*sqlTx)(nil)

// flush writes the rows the Inserter holds back (see Flusher), before a
// statement that reads or changes data tables.
func (x *sqlTx) flush(ctx context.Context) error {
	if f, ok := x.ins.(Flusher); ok {
		if err := f.Flush(ctx); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
	}
	return nil
}

// check returns ErrTxDone after Commit or Rollback.
func (x *sqlTx) check() error {
	if x.done {
		return fmt.Errorf("%s: load %q: %w", x.d.Name(), x.load.ID, destinations.ErrTxDone)
	}
	return nil
}

// errorf wraps err with the dialect and load as the first breadcrumbs.
func (x *sqlTx) errorf(err error) error {
	return fmt.Errorf("%s: load %q: %w", x.d.Name(), x.load.ID, explain(x.d, err))
}

// SaveState upserts the cursors of pipeline into _pipe_state.
func (x *sqlTx) SaveState(ctx context.Context, pipeline string, entries []state.Entry) error {
	if err := x.check(); err != nil {
		return err
	}
	ts, err := encodeTime(x.d, x.s.now())
	if err != nil {
		return x.errorf(err)
	}
	cols := []string{"pipeline", "resource", "parent_key", "cursor", "load_id", "updated_at"}
	key := []string{"pipeline", "resource", "parent_key"}
	for _, e := range entries {
		vals := []any{pipeline, e.Resource, e.ParentKey, e.Cursor, x.load.ID, ts}
		if err := upsert(ctx, x.tx, x.d, destinations.StateTable, cols, key, vals); err != nil {
			return x.errorf(fmt.Errorf("state of resource %q: %w", e.Resource, err))
		}
	}
	return nil
}

// ClearState deletes the cursors of resources of pipeline.
func (x *sqlTx) ClearState(ctx context.Context, pipeline string, resources []string) error {
	if err := x.check(); err != nil {
		return err
	}
	q := fmt.Sprintf("DELETE FROM %s WHERE pipeline = %s AND resource = %s",
		x.d.Table(destinations.StateTable), x.d.Placeholder(1), x.d.Placeholder(2))
	for _, r := range resources {
		if _, err := x.tx.ExecContext(ctx, q, pipeline, r); err != nil {
			return x.errorf(fmt.Errorf("state of resource %q: clear: %w", r, err))
		}
	}
	return nil
}

// Commit records status in _pipe_loads and commits; see StatusRunning.
func (x *sqlTx) Commit(ctx context.Context, status destinations.LoadStatus) error {
	if err := x.check(); err != nil {
		return err
	}
	if err := x.flush(ctx); err != nil {
		x.abort()
		return x.errorf(err)
	}
	if status.Status != destinations.StatusRunning {
		if err := x.buildDeferred(ctx); err != nil {
			x.abort()
			return x.errorf(err)
		}
	}
	if err := x.recordLoad(ctx, status); err != nil {
		x.abort()
		return x.errorf(err)
	}
	// A commit that records a failure writes no data: it needs no lock.
	if p, ok := x.s.dialect.(RunLockProber); ok && x.run != nil && x.run.release != nil && status.Status != destinations.StatusFailed {
		if err := p.RunLockHeld(ctx, x.load.Pipeline); err != nil {
			x.abort()
			return x.errorf(err)
		}
	}
	if c, ok := x.s.dialect.(CommitChecker); ok {
		if err := c.BeforeCommit(ctx); err != nil {
			x.abort()
			return x.errorf(err)
		}
	}
	err := x.tx.Commit()
	x.end()
	if err != nil {
		return x.errorf(fmt.Errorf("commit: %w", err))
	}
	x.applyDeferred()
	if status.Status != destinations.StatusRunning {
		x.s.unlockRun(x.load.ID)
	}
	for t := range x.unstaged {
		delete(x.s.staged, t)
	}
	for t := range x.staged {
		x.s.staged[t] = x.load.ID
	}
	return nil
}

func (x *sqlTx) recordLoad(ctx context.Context, status destinations.LoadStatus) error {
	rows := status.Rows
	if rows == nil {
		rows = map[string]int64{}
	}
	rowsJSON, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("table %q: rows: %w", destinations.LoadsTable, err)
	}
	js, err := x.d.Encode(schema.JSON, json.RawMessage(rowsJSON))
	if err != nil {
		return err
	}
	started, err := encodeTime(x.d, x.load.Started)
	if err != nil {
		return err
	}
	finished, err := encodeTime(x.d, status.Finished)
	if err != nil {
		return err
	}
	var loadErr any
	if status.Error != "" {
		loadErr = status.Error
	}
	return upsert(ctx, x.tx, x.d, destinations.LoadsTable,
		[]string{"load_id", "pipeline", "started_at", "finished_at", "status", "rows_json", "error"},
		[]string{"load_id"},
		[]any{x.load.ID, x.load.Pipeline, started, finished, status.Status, js, loadErr})
}

// Rollback abandons the transaction. It returns nil after Commit or a
// previous Rollback.
func (x *sqlTx) Rollback() error {
	if x.done {
		return nil
	}
	err := x.tx.Rollback()
	x.end()
	if err != nil && !errors.Is(err, sql.ErrTxDone) {
		return x.errorf(fmt.Errorf("rollback: %w", err))
	}
	return nil
}

// abort rolls back after an error, keeping that error for the caller.
func (x *sqlTx) abort() {
	_ = x.tx.Rollback()
	x.end()
}

// end releases what the transaction held, once.
func (x *sqlTx) end() {
	if x.done {
		return
	}
	x.done = true
	x.closeStmts()
	if x.ins != nil {
		if err := x.ins.Close(); err != nil {
			x.s.log.Warn("closing inserter", "destination", x.d.Name(), "error", err)
		}
	}
	x.release()
	x.s.inTx = false
}

// release runs the dialect's AfterEnd hook, if any, and returns the
// dedicated connection to the pool.
func (x *sqlTx) release() {
	if x.conn == nil {
		return
	}
	if x.hooks != nil {
		if err := x.hooks.AfterEnd(context.Background(), x.conn); err != nil {
			// The connection keeps load settings: drop it from the pool.
			x.s.log.Warn("restoring connection settings", "destination", x.d.Name(), "error", err)
			_ = x.conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}
	_ = x.conn.Close()
	x.conn = nil
}

var _ destinations.SQLTxer = (*sqlTx)(nil)

// SQLTx flushes the rows the Inserter holds back and returns the
// transaction, for statements that must commit with the load's.
func (x *sqlTx) SQLTx(ctx context.Context) (*sql.Tx, error) {
	if err := x.check(); err != nil {
		return nil, err
	}
	if err := x.flush(ctx); err != nil {
		return nil, x.errorf(err)
	}
	return x.tx.Tx, nil
}
