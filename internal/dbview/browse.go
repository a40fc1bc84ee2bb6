package dbview

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Result is a page of rows, as text.
type Result struct {
	Columns []string
	Rows    [][]Cell
	// More reports rows past the page; Next is what to pass as after to
	// get them (Browse only).
	More bool
	Next string
}

// Cell is a value as text (see Text), and whether it is NULL.
type Cell struct {
	Text string
	Null bool
}

// MaxPage is the most rows Browse and Query return at once.
const MaxPage = 500

// Browse returns up to limit rows of table (one of Tables; the caller
// checks) in _pipe_id order, after the row whose _pipe_id is after ("" for
// the first page). Paging by key costs an index seek per page at any
// depth, even in tables of millions of rows.
func (v *View) Browse(ctx context.Context, table, after string, limit int) (*Result, error) {
	limit = min(max(limit, 1), MaxPage)
	q := fmt.Sprintf("SELECT * FROM %s WHERE _pipe_id > ? ORDER BY _pipe_id LIMIT %d", quote(table), limit+1)
	rows, err := v.db.QueryContext(ctx, v.db.Rebind(q), after)
	if err != nil {
		return nil, fmt.Errorf("table %q: %w", table, err)
	}
	res, err := readResult(rows, 0, limit)
	if err != nil {
		return nil, fmt.Errorf("table %q: %w", table, err)
	}
	if res.More {
		for i, c := range res.Columns {
			if c == "_pipe_id" {
				res.Next = res.Rows[len(res.Rows)-1][i].Text
			}
		}
	}
	return res, nil
}

// MaxOffset is the most rows Query skips to reach a later page: the rows
// before a page are read and dropped, so deep pages would cost a scan.
const MaxOffset = 20 * MaxPage

// Query runs one statement written by a user and returns limit of its
// rows (at most MaxPage) after the first offset (at most MaxOffset),
// within timeout. The database refuses anything
// but reading, whatever the statement says: SQLite's connections are
// read-only (see sqlite.OpenReadOnly); on Postgres the statement is
// prepared (one statement only) and run in a READ ONLY transaction with a
// statement_timeout, rolled back after.
func (v *View) Query(ctx context.Context, query string, offset, limit int, timeout time.Duration) (*Result, error) {
	if !v.readOnly {
		return nil, fmt.Errorf("query: database opened for writing")
	}
	if offset < 0 || offset > MaxOffset {
		return nil, fmt.Errorf("query: offset %d: want 0 to %d", offset, MaxOffset)
	}
	limit = min(max(limit, 1), MaxPage)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := v.query(ctx, query, offset, limit, timeout)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("query: stopped after %s: %w", timeout, err)
	}
	return res, err
}

func (v *View) query(ctx context.Context, query string, offset, limit int, timeout time.Duration) (*Result, error) {
	if v.kind != Postgres {
		rows, err := v.db.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		return readResult(rows, offset, limit)
	}
	tx, err := v.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL statement_timeout = %d", timeout.Milliseconds())); err != nil {
		return nil, err
	}
	return queryPrepared(ctx, tx, query, offset, limit)
}

// queryPrepared runs query through a cursor, so that only the rows of
// the page are computed and sent (a SELECT of a table of millions of rows
// would otherwise stream every row to be dropped, up to the timeout), or,
// for a statement a cursor cannot hold (SHOW, EXPLAIN), whole. Either way
// the statement is prepared first, so that Postgres refuses more than one
// ("cannot insert multiple commands into a prepared statement"): a COMMIT
// cannot end the read-only transaction and let a write follow.
func queryPrepared(ctx context.Context, tx *sqlx.Tx, query string, offset, limit int) (*Result, error) {
	q := strings.TrimRight(strings.TrimSpace(query), "; \t\r\n")
	if _, err := tx.ExecContext(ctx, "SAVEPOINT pipe_query"); err != nil {
		return nil, err
	}
	if err := execPrepared(ctx, tx, "DECLARE pipe_query NO SCROLL CURSOR FOR "+q); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT pipe_query"); rerr != nil {
			return nil, err
		}
		return queryWhole(ctx, tx, query, offset, limit)
	}
	if offset > 0 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("MOVE FORWARD %d IN pipe_query", offset)); err != nil {
			return nil, err
		}
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf("FETCH FORWARD %d FROM pipe_query", limit+1))
	if err != nil {
		return nil, err
	}
	return readResult(rows, 0, limit)
}

func execPrepared(ctx context.Context, tx *sqlx.Tx, statement string) error {
	stmt, err := tx.PrepareContext(ctx, statement)
	if err != nil {
		return err
	}
	defer stmt.Close()
	_, err = stmt.ExecContext(ctx)
	return err
}

// queryWhole runs query prepared and reads the page of its rows.
func queryWhole(ctx context.Context, tx *sqlx.Tx, query string, offset, limit int) (*Result, error) {
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	rows, err := stmt.QueryContext(ctx)
	if err != nil {
		return nil, err
	}
	return readResult(rows, offset, limit)
}

// readResult skips offset rows, reads up to limit rows as text, and
// closes rows.
func readResult(rows *sql.Rows, offset, limit int) (*Result, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: cols}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if offset > 0 {
			offset--
			continue
		}
		if len(res.Rows) == limit {
			res.More = true
			break
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]Cell, len(cols))
		for i, v := range vals {
			row[i] = Cell{Text: Text(v), Null: v == nil}
		}
		res.Rows = append(res.Rows, row)
	}
	return res, rows.Err()
}
