package postgres

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations/sqlload"
	"github.com/pipe-etl/pipe/engine/schema"
)

// copyInserter writes rows with COPY into a temporary table shaped like
// the target, then INSERT ... SELECT ... ON CONFLICT into the target, so
// that append skips and merge overwrites existing rows at COPY speed.
type copyInserter struct {
	tx *sqlx.Tx
	d  *Dialect
	// conn is the transaction's connection, for COPYs of held rows
	// straight through lib/pq; nil without one.
	conn *sqlx.Conn
	// temps maps a target table to its temporary table in this
	// transaction. Temporary tables are created ON COMMIT DROP.
	temps map[string]string
	n     int
	// held are Unkeyed rows not sent yet, per table and column list, in
	// the order they came; heldRows counts them and heldBytes their text.
	held      []*heldRows
	heldRows  int
	heldBytes int
	// running receives the result of the COPYs send started in the
	// background; nil when none runs. err is the first such error,
	// returned by every later call.
	running chan error
	err     error
}

// heldRows are rows for one COPY.
type heldRows struct {
	table, cols string
	columns     []schema.Column // what cols names, for errors
	rows        [][]any
}

// copyBatchRows is how many Unkeyed rows the inserter holds before it
// sends them: one COPY per table of a page took 1.3 ms each, mostly
// round trips and per-statement work on the server, for about 200 rows.
// They are sent in the background (see send), while the writer prepares
// the next ones.
const copyBatchRows = 20_000

// copyBatchBytes bounds the text of the rows held, so that wide rows are
// sent before 20,000 of them fill memory: 75k Snyk issues of 1.5 KB,
// their lists in JSON columns, peaked at 290 MiB held by count alone,
// 140 MiB with 8 MiB held and 100 MiB with 4 MiB, no slower.
const copyBatchBytes = 4 << 20

var (
	_ sqlload.Inserter          = (*copyInserter)(nil)
	_ sqlload.Flusher           = (*copyInserter)(nil)
	_ sqlload.ConnInserterMaker = (*Dialect)(nil)
)

// NewConnInserter returns the COPY inserter for tx on conn, which sends
// the rows it holds back through lib/pq's connection itself: a COPY's
// rows then skip database/sql's per-row argument conversion, two
// allocations and its locks.
func (d *Dialect) NewConnInserter(conn *sqlx.Conn, tx *sqlx.Tx) sqlload.Inserter {
	return &copyInserter{tx: tx, d: d, conn: conn, temps: map[string]string{}}
}

// NewInserter returns the COPY inserter for tx.
func (d *Dialect) NewInserter(tx *sqlx.Tx) sqlload.Inserter {
	return &copyInserter{tx: tx, d: d, temps: map[string]string{}}
}

// Insert copies ins.Rows into the temporary table of ins.Table and moves
// them into ins.Table. Rows whose keys are new (Unkeyed) are copied into
// ins.Table directly, held back until copyBatchRows of them wait or
// Flush.
func (c *copyInserter) Insert(ctx context.Context, ins *sqlload.Insert) error {
	names := make([]string, len(ins.Columns))
	var update []string
	for i, col := range ins.Columns {
		names[i] = c.d.Quote(col.Name)
		if col.Name != schema.ColID {
			update = append(update, col.Name)
		}
	}
	cols := strings.Join(names, ", ")
	if ins.Conflict == sqlload.Unkeyed {
		ins.Written = int64(len(ins.Rows))
		return c.hold(ctx, ins.Table, cols, ins.Columns, ins.Rows)
	}
	if err := c.Flush(ctx); err != nil {
		return err
	}
	tmp, err := c.temp(ctx, ins.Table)
	if err != nil {
		return err
	}
	if err := c.copy(ctx, c.d.Quote(tmp), tmp, cols, ins.Rows); err != nil {
		return rowTooBig(err, ins.Table, ins.Columns)
	}
	q := fmt.Sprintf("%s (%s) SELECT %s FROM %s %s", sqlload.InsertInto(c.d, ins.Table), cols, cols, c.d.Quote(tmp),
		c.d.OnConflict([]string{schema.ColID}, ins.Conflict, update))
	res, err := c.tx.ExecContext(ctx, q)
	if err != nil {
		return fmt.Errorf("insert from %s: %w", tmp, err)
	}
	if ins.Written, err = res.RowsAffected(); err != nil {
		return fmt.Errorf("insert from %s: %w", tmp, err)
	}
	if _, err := c.tx.ExecContext(ctx, "TRUNCATE "+c.d.Quote(tmp)); err != nil {
		return fmt.Errorf("truncate %s: %w", tmp, err)
	}
	return nil
}

// hold keeps rows for a later COPY into table, and sends what is held
// when it is enough.
func (c *copyInserter) hold(ctx context.Context, table, cols string, columns []schema.Column, rows [][]any) error {
	if c.keep(table, cols, columns, rows) {
		return c.send(ctx)
	}
	return nil
}

// keep adds rows to those held for table and reports whether the rows
// held are now enough to send: copyBatchRows of them or copyBatchBytes
// of their text.
func (c *copyInserter) keep(table, cols string, columns []schema.Column, rows [][]any) bool {
	var h *heldRows
	for _, x := range c.held {
		if x.table == table && x.cols == cols {
			h = x
		}
	}
	if h == nil {
		h = &heldRows{table: table, cols: cols, columns: columns}
		c.held = append(c.held, h)
	}
	h.rows = append(h.rows, rows...)
	c.heldRows += len(rows)
	for _, r := range rows {
		c.heldBytes += textBytes(r)
	}
	return c.heldRows >= copyBatchRows || c.heldBytes >= copyBatchBytes
}

// textBytes is the length of the text values of row, encoded for COPY.
func textBytes(row []any) int {
	n := 0
	for _, v := range row {
		switch x := v.(type) {
		case string:
			n += len(x)
		case []byte:
			n += len(x)
		}
	}
	return n
}

// send copies the rows held back into their tables on a goroutine that
// holds lib/pq's connection (sqlx.Conn.Raw) from before send returns
// until the COPYs end, after the COPYs send started before have ended.
// database/sql runs every other statement of the transaction under that
// same lock, so they run after these COPYs, as if send had waited for
// them; the writer meanwhile normalizes, fits and encodes the next rows,
// and the server works through the COPY. An error comes from the next
// call (Insert, Flush, Close). Without the connection send copies at once.
func (c *copyInserter) send(ctx context.Context) error {
	if err := c.wait(); err != nil {
		return err
	}
	if c.conn == nil {
		return c.Flush(ctx)
	}
	held := c.held
	c.held, c.heldRows, c.heldBytes = nil, 0, 0
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- c.conn.Raw(func(dc any) error {
			close(started)
			for _, h := range held {
				if err := c.copyOn(ctx, dc, c.d.Table(h.table), h.table, h.cols, h.rows); err != nil {
					return rowTooBig(err, h.table, h.columns)
				}
			}
			return nil
		})
	}()
	select {
	case <-started:
		c.running = done
		return nil
	case err := <-done:
		// The connection could not be had, or the COPYs ran to their end
		// before this select saw started (both ready: select picks one at
		// random). Either way an error stays, so that Flush and Commit
		// report it too and the load cannot commit without these rows.
		if err != nil && c.err == nil {
			c.err = err
		}
		return err
	}
}

// wait waits for the COPYs running in the background, if any, and
// returns the first error of any.
func (c *copyInserter) wait() error {
	if c.running != nil {
		if err := <-c.running; err != nil && c.err == nil {
			c.err = err
		}
		c.running = nil
	}
	return c.err
}

// Flush waits for the COPYs running in the background and copies the
// rows still held back into their tables.
func (c *copyInserter) Flush(ctx context.Context) error {
	if err := c.wait(); err != nil {
		return err
	}
	for len(c.held) > 0 {
		h := c.held[0]
		copyRows := c.copy
		if c.conn != nil {
			copyRows = c.copyConn
		}
		if err := copyRows(ctx, c.d.Table(h.table), h.table, h.cols, h.rows); err != nil {
			return rowTooBig(err, h.table, h.columns)
		}
		c.held = c.held[1:]
		c.heldRows -= len(h.rows)
	}
	c.held, c.heldBytes = nil, 0
	return nil
}

// copy streams rows into the table quoted as target (named table in
// errors) with COPY FROM STDIN.
func (c *copyInserter) copy(ctx context.Context, target, table, cols string, rows [][]any) (err error) {
	stmt, err := c.tx.PrepareContext(ctx, fmt.Sprintf("COPY %s (%s) FROM STDIN", target, cols))
	if err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	defer func() {
		if cerr := stmt.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("copy into %s: %w", table, cerr)
		}
	}()
	for i, r := range rows {
		if _, err := stmt.ExecContext(ctx, r...); err != nil {
			return fmt.Errorf("copy into %s: row %d: %w", table, i, err)
		}
	}
	// An Exec without values ends the COPY and reports its errors.
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	return nil
}

// copyConn is copy on the driver's connection. lib/pq's COPY takes no
// context; ctx is checked every rowsPerCheck rows.
func (c *copyInserter) copyConn(ctx context.Context, target, table, cols string, rows [][]any) error {
	return c.conn.Raw(func(dc any) error {
		return c.copyOn(ctx, dc, target, table, cols, rows)
	})
}

// copyOn is copy on lib/pq's connection dc.
func (c *copyInserter) copyOn(ctx context.Context, dc any, target, table, cols string, rows [][]any) (err error) {
	conn, ok := dc.(driver.Conn)
	if !ok {
		return fmt.Errorf("copy into %s: connection of type %T", table, dc)
	}
	stmt, err := conn.Prepare(fmt.Sprintf("COPY %s (%s) FROM STDIN", target, cols))
	if err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	defer func() {
		if cerr := stmt.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("copy into %s: %w", table, cerr)
		}
	}()
	var vals []driver.Value
	for i, r := range rows {
		if i%rowsPerCheck == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		vals = vals[:0]
		for _, v := range r {
			vals = append(vals, v)
		}
		//lint:ignore SA1019 lib/pq's COPY statement has no ExecContext
		if _, err := stmt.Exec(vals); err != nil {
			return fmt.Errorf("copy into %s: row %d: %w", table, i, err)
		}
	}
	// An Exec without values ends the COPY and reports its errors.
	//lint:ignore SA1019 as above
	if _, err := stmt.Exec(nil); err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	return nil
}

// rowsPerCheck is how many rows copyConn sends between checks of ctx.
const rowsPerCheck = 1024

// temp returns the temporary table of target, creating it on first use.
func (c *copyInserter) temp(ctx context.Context, target string) (string, error) {
	if tmp, ok := c.temps[target]; ok {
		return tmp, nil
	}
	c.n++
	tmp := "_pipe_copy_" + strconv.Itoa(c.n)
	q := fmt.Sprintf("CREATE TEMPORARY TABLE %s (LIKE %s INCLUDING DEFAULTS) ON COMMIT DROP", c.d.Quote(tmp), c.d.Table(target))
	if _, err := c.tx.ExecContext(ctx, q); err != nil {
		return "", fmt.Errorf("temporary table for %s: %w", target, err)
	}
	c.temps[target] = tmp
	return tmp, nil
}

// Forget drops the mapping to target's temporary table, which no longer
// has target's shape; the table itself goes at commit.
func (c *copyInserter) Forget(target string) { delete(c.temps, target) }

// Close waits for the COPYs running in the background and drops the
// rows held back, which a Commit would have flushed: the transaction is
// over. Temporary tables end with it.
func (c *copyInserter) Close() error {
	_ = c.wait() // a Commit reported it through Flush; a rollback makes it moot
	c.held, c.heldRows, c.heldBytes = nil, 0, 0
	return nil
}
