package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"

	"github.com/pipe-etl/pipe/destinations/sqlload"
)

// connInserter writes rows with single-row INSERT statements prepared on
// the go-sqlite3 connection itself, reached through sqlx.Conn.Raw, for
// the transaction SQL runs on that connection. It skips what database/sql
// adds to every execution (argument conversion and its allocations,
// locks, and for a cancellable context a goroutine per execution in
// go-sqlite3) and binds a row's values in one cgo crossing (see run).
// Against sqlload.RowInserter it cut the writer's time per row
// outside SQLite by about two thirds in BenchmarkRunSQLite profiles.
//
// Each Insert runs on a goroutine of its own while the writer goes on
// normalizing, fitting and encoding the next batch (see Insert), so that
// the cgo inserts, the largest part of the writer's time, leave its
// critical path.
type connInserter struct {
	conn  *sqlx.Conn
	d     *Dialect
	stmts map[string]*connStmt // by table; used by the running insert only
	// running receives the result of the Insert that runs in the
	// background; nil when none runs.
	running chan error
	// err is the first error of a background Insert, returned by every
	// later call.
	err error
}

// connStmt is a statement prepared on the driver connection.
type connStmt struct {
	text string
	stmt driver.StmtQueryContext
	c    driver.Stmt
}

var (
	_ sqlload.Inserter          = (*connInserter)(nil)
	_ sqlload.Flusher           = (*connInserter)(nil)
	_ sqlload.ConnInserterMaker = (*Dialect)(nil)
)

// rowsPerCheck is how many rows Insert writes between checks of ctx.
const rowsPerCheck = 256

// NewConnInserter returns the Inserter of a load transaction on conn.
func (d *Dialect) NewConnInserter(conn *sqlx.Conn, _ *sqlx.Tx) sqlload.Inserter {
	return &connInserter{conn: conn, d: d, stmts: map[string]*connStmt{}}
}

// Insert waits for the previous Insert, then writes ins.Rows, one
// statement execution each. Keyed rows (a merge or append into existing
// rows) are written before Insert returns, which sets ins.Written from
// SQLite's change count. Rows with new keys (Unkeyed, a first load) are
// written on a goroutine that holds the driver
// connection (sqlx.Conn.Raw) from before Insert returns until it is
// done. database/sql runs every statement of the transaction under that
// same lock, so whatever SQL does next on the transaction runs after
// these rows are written, as if Insert had written them itself; only
// their error comes later, from the next call (Insert, Flush, Forget's
// next caller or Close). Statements run under a context that is never
// cancelled; ctx is checked every rowsPerCheck rows.
func (r *connInserter) Insert(ctx context.Context, ins *sqlload.Insert) error {
	if err := r.wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(ins.Columns) == 0 {
		return fmt.Errorf("no columns")
	}
	q := r.d.cache.Text(r.d, ins, 1)
	if ins.Conflict != sqlload.Unkeyed {
		// Keyed rows run here and now: Written, which the caller reads
		// when Insert returns, comes from SQLite's change count.
		return r.conn.Raw(func(dc any) error { return r.insert(ctx, dc, q, ins) })
	}
	ins.Written = int64(len(ins.Rows)) // new keys: every row is written
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- r.conn.Raw(func(dc any) error {
			close(started)
			if err := r.insert(ctx, dc, q, ins); err != nil {
				return fmt.Errorf("table %q: %w", ins.Table, err)
			}
			return nil
		})
	}()
	select {
	case <-started:
		r.running = done
		return nil
	case err := <-done:
		// The connection could not be had, or the insert ran to its end
		// before this select saw started (both ready: select picks one at
		// random). Either way its error stays, so that Flush and Commit
		// report it too and the load cannot commit without these rows.
		if err != nil && r.err == nil {
			r.err = err
		}
		return err
	}
}

// insert writes ins.Rows with the statement q on the driver connection dc.
func (r *connInserter) insert(ctx context.Context, dc any, q string, ins *sqlload.Insert) error {
	c, ok := dc.(*sqlite3.SQLiteConn)
	if !ok {
		return fmt.Errorf("connection of type %T, want *sqlite3.SQLiteConn", dc)
	}
	st, err := r.stmt(c, ins.Table, q)
	if err != nil {
		return err
	}
	before, err := totalChanges(c, ins.Conflict)
	if err != nil {
		return err
	}
	args := make([]driver.NamedValue, 0, len(ins.Columns))
	for i, row := range ins.Rows {
		if i%rowsPerCheck == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		args = args[:0]
		for j, v := range row {
			args = append(args, driver.NamedValue{Ordinal: j + 1, Value: v})
		}
		if err := run(st, args); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
	}
	if ins.Conflict == sqlload.Unkeyed {
		return nil
	}
	after, err := totalChanges(c, ins.Conflict)
	ins.Written = after - before
	return err
}

// totalChanges returns SQLite's count of rows the connection inserted,
// updated or deleted, which an upsert's rows skipped or found unchanged
// leave as it is; 0 for Unkeyed rows, which are all written and not
// counted this way.
func totalChanges(c *sqlite3.SQLiteConn, action sqlload.Conflict) (int64, error) {
	if action == sqlload.Unkeyed {
		return 0, nil
	}
	rows, err := c.Query("SELECT total_changes()", nil)
	if err != nil {
		return 0, fmt.Errorf("total_changes: %w", err)
	}
	defer rows.Close()
	v := make([]driver.Value, 1)
	if err := rows.Next(v); err != nil {
		return 0, fmt.Errorf("total_changes: %w", err)
	}
	n, _ := v[0].(int64)
	return n, nil
}

// wait waits for the Insert running in the background, if any, and
// returns the first error of any.
func (r *connInserter) wait() error {
	if r.running != nil {
		if err := <-r.running; err != nil && r.err == nil {
			r.err = err
		}
		r.running = nil
	}
	return r.err
}

// Flush waits until the rows of every Insert are written.
func (r *connInserter) Flush(context.Context) error { return r.wait() }

// run executes the INSERT st with args through the driver's query path:
// go-sqlite3 binds every argument and steps in one cgo crossing there
// (one crossing per argument on the exec path), and binds text without
// copying it into SQLite's heap. Next runs the statement to completion
// whether or not the driver stepped it already.
func run(st driver.StmtQueryContext, args []driver.NamedValue) error {
	rows, err := st.QueryContext(context.Background(), args)
	if err != nil {
		return err
	}
	err = rows.Next(nil)
	if cerr := rows.Close(); err == io.EOF || err == nil {
		err = cerr
	}
	return err
}

// stmt returns the statement of table, preparing it if its text changed.
func (r *connInserter) stmt(c *sqlite3.SQLiteConn, table, q string) (driver.StmtQueryContext, error) {
	if s := r.stmts[table]; s != nil {
		if s.text == q {
			return s.stmt, nil
		}
		r.forget(table)
	}
	ps, err := c.Prepare(q)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	ec, ok := ps.(driver.StmtQueryContext)
	if !ok {
		_ = ps.Close()
		return nil, fmt.Errorf("statement of type %T cannot run with a context", ps)
	}
	r.stmts[table] = &connStmt{text: q, stmt: ec, c: ps}
	return ec, nil
}

// Forget finalizes the statement prepared for table, once the running
// Insert is done with it.
func (r *connInserter) Forget(table string) {
	_ = r.wait() // an error stays in r.err for the next call
	r.forget(table)
}

func (r *connInserter) forget(table string) {
	if s := r.stmts[table]; s != nil {
		_ = s.c.Close()
		delete(r.stmts, table)
	}
}

// Close waits for the running Insert and finalizes every prepared
// statement. An error of that Insert is not returned: a Commit reports
// it through Flush, and a rolled back transaction makes it moot.
func (r *connInserter) Close() error {
	_ = r.wait()
	for table := range r.stmts {
		r.forget(table)
	}
	return nil
}
