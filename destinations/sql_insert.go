package destinations

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/engine/schema"
)

// MultiRowInserter is the Inserter that writes rows with multi-row
// INSERT ... VALUES (...), (...) ... statements, as many rows per
// statement as the dialect's MaxParams allows. Statement text comes from a
// StatementCache shared across transactions; statements are prepared once
// per transaction. SQLite uses it; any dialect may.
type MultiRowInserter struct {
	tx    *sqlx.Tx
	d     Dialect
	cache *StatementCache
	// prepared holds the statements prepared in this transaction, by
	// table, then text.
	prepared map[string]map[string]*sqlx.Stmt
}

var _ Inserter = (*MultiRowInserter)(nil)

// NewMultiRowInserter returns a MultiRowInserter for tx. cache may be
// shared by every transaction of a Destination.
func NewMultiRowInserter(tx *sqlx.Tx, d Dialect, cache *StatementCache) *MultiRowInserter {
	return &MultiRowInserter{tx: tx, d: d, cache: cache, prepared: map[string]map[string]*sqlx.Stmt{}}
}

// Insert writes ins.Rows in chunks of at most MaxParams values.
func (m *MultiRowInserter) Insert(ctx context.Context, ins *Insert) error {
	ncol := len(ins.Columns)
	if ncol == 0 {
		return fmt.Errorf("no columns")
	}
	per := max(1, m.d.MaxParams()/ncol)
	args := make([]any, 0, min(per, len(ins.Rows))*ncol)
	for start := 0; start < len(ins.Rows); start += per {
		chunk := ins.Rows[start:min(start+per, len(ins.Rows))]
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r...)
		}
		stmt, err := m.stmt(ctx, ins, len(chunk))
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("rows %d to %d: %w", start, start+len(chunk)-1, err)
		}
	}
	return nil
}

func (m *MultiRowInserter) stmt(ctx context.Context, ins *Insert, rows int) (*sqlx.Stmt, error) {
	q := m.cache.get(m.d, ins, rows)
	byText := m.prepared[ins.Table]
	if s, ok := byText[q]; ok {
		return s, nil
	}
	s, err := m.tx.PreparexContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if byText == nil {
		byText = map[string]*sqlx.Stmt{}
		m.prepared[ins.Table] = byText
	}
	byText[q] = s
	return s, nil
}

// Forget closes the statements prepared for table.
func (m *MultiRowInserter) Forget(table string) {
	for _, s := range m.prepared[table] {
		_ = s.Close()
	}
	delete(m.prepared, table)
}

// Close closes every prepared statement.
func (m *MultiRowInserter) Close() error {
	for table := range m.prepared {
		m.Forget(table)
	}
	return nil
}

// StatementCache remembers the text of multi-row INSERT statements by
// table, column set, row count and conflict action. It is safe for
// concurrent use and holds at most a few hundred statements.
type StatementCache struct {
	mu    sync.Mutex
	texts map[string]string
}

const statementCacheSize = 256

// Text returns the INSERT statement of rows rows for ins (its table,
// columns and conflict action; ins.Rows is not read), with d's
// placeholders and conflict clause.
func (c *StatementCache) Text(d Dialect, ins *Insert, rows int) string { return c.get(d, ins, rows) }

func (c *StatementCache) get(d Dialect, ins *Insert, rows int) string {
	var k strings.Builder
	k.WriteString(ins.Table)
	for _, col := range ins.Columns {
		k.WriteByte(0)
		k.WriteString(col.Name)
	}
	k.WriteByte(0)
	k.WriteString(strconv.Itoa(rows))
	k.WriteByte(byte('0' + ins.Conflict))
	key := k.String()

	c.mu.Lock()
	defer c.mu.Unlock()
	if q, ok := c.texts[key]; ok {
		return q
	}
	if c.texts == nil || len(c.texts) >= statementCacheSize {
		c.texts = map[string]string{}
	}
	q := multiRowInsertSQL(d, ins, rows)
	c.texts[key] = q
	return q
}

// multiRowInsertSQL is INSERT INTO table (cols) VALUES (...) x rows,
// followed by the dialect's conflict clause on _pipe_id.
func multiRowInsertSQL(d Dialect, ins *Insert, rows int) string {
	ncol := len(ins.Columns)
	names := make([]string, ncol)
	var update []string
	for i, c := range ins.Columns {
		names[i] = c.Name
		if c.Name != schema.ColID && ins.Conflict == DoUpdate {
			update = append(update, c.Name)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", d.Table(ins.Table), quoteList(d, names))
	n := 0
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i := 0; i < ncol; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			n++
			b.WriteString(d.Placeholder(n))
		}
		b.WriteByte(')')
	}
	if c := d.OnConflict([]string{schema.ColID}, ins.Conflict, update); c != "" {
		b.WriteByte(' ')
		b.WriteString(c)
	}
	return b.String()
}

// OnConflictClause is the upsert clause SQLite and Postgres share:
// ON CONFLICT (key) DO NOTHING, or DO UPDATE SET c = excluded.c for each
// update column; none for Unkeyed.
func OnConflictClause(d Dialect, key []string, action Conflict, update []string) string {
	if action == Unkeyed {
		return ""
	}
	clause := "ON CONFLICT (" + quoteList(d, key) + ") DO "
	if action == DoNothing || len(update) == 0 {
		return clause + "NOTHING"
	}
	sets := make([]string, len(update))
	for i, c := range update {
		sets[i] = d.Quote(c) + " = excluded." + d.Quote(c)
	}
	return clause + "UPDATE SET " + strings.Join(sets, ", ")
}
