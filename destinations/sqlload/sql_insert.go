package sqlload

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/pipe-etl/pipe/engine/schema"
)

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
		if ins.Conflict == DoUpdate && !identity(c.Name) {
			update = append(update, c.Name)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s) VALUES ", InsertInto(d, ins.Table), quoteList(d, names))
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

// identity reports whether column is one an upsert leaves as it is: the
// key, and for a child row its parent and root, which the key determines
// (leaving them out of SET spares SQLite the maintenance of the index on
// _pipe_root_id; see sql_merge_inplace.go).
func identity(column string) bool {
	return column == schema.ColID || column == schema.ColParentID || column == schema.ColRootID
}

// UpsertAlias is the name an INSERT gives its target table (see
// InsertInto), by which the DoUpdate clause of OnConflictClause refers
// to the existing row. The _pipe_ prefix is reserved, so no data table
// has that name.
const UpsertAlias = "_pipe_t"

// InsertInto is "INSERT INTO table AS _pipe_t", the start of every
// statement that ends with an OnConflict clause.
func InsertInto(d Dialect, table string) string {
	return "INSERT INTO " + d.Table(table) + " AS " + d.Quote(UpsertAlias)
}

// OnConflictClause is the upsert clause SQLite and Postgres share:
// ON CONFLICT (key) DO NOTHING, or DO UPDATE SET c = excluded.c for each
// update column WHERE the existing row differs from the new one in an
// update column other than _pipe_load_id; none for Unkeyed. An existing
// row equal to the new one is thus left as it is, with its load id: the
// database writes nothing for it (no page, no WAL frame) and counts no
// change (SQLite changes(), Postgres' row count), which is how a merge
// tells updated rows from unchanged ones (see sql_merge_inplace.go).
// The statement must name its table as InsertInto does.
func OnConflictClause(d Dialect, key []string, action Conflict, update []string) string {
	if action == Unkeyed {
		return ""
	}
	clause := "ON CONFLICT (" + quoteList(d, key) + ") DO "
	if action == DoNothing || len(update) == 0 {
		return clause + "NOTHING"
	}
	sets := make([]string, len(update))
	var old, now []string
	for i, c := range update {
		q := d.Quote(c)
		sets[i] = q + " = excluded." + q
		if c != schema.ColLoadID {
			old = append(old, d.Quote(UpsertAlias)+"."+q)
			now = append(now, "excluded."+q)
		}
	}
	if len(old) == 0 {
		return clause + "NOTHING"
	}
	return clause + "UPDATE SET " + strings.Join(sets, ", ") +
		" WHERE (" + strings.Join(old, ", ") + ") IS DISTINCT FROM (" + strings.Join(now, ", ") + ")"
}
