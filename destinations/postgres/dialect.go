package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/sqlload"
	"github.com/pipe-etl/pipe/engine/normalize"
	"github.com/pipe-etl/pipe/engine/schema"
)

// Dialect is the sqlload.Dialect of Postgres, for one dataset
// (schema).
type Dialect struct {
	dataset string
	runs    heldRuns   // the run locks LockRun handed out, for RunLockHeld
	locks   *lockWatch // warns of lock waits; nil without a log
}

var (
	_ sqlload.Dialect     = (*Dialect)(nil)
	_ sqlload.KeyDeferrer = (*Dialect)(nil)
)

// New returns the Postgres dialect for tables in the schema dataset.
func New(dataset string) *Dialect { return &Dialect{dataset: dataset} }

// Dataset returns the schema the dialect's tables live in.
func (d *Dialect) Dataset() string { return d.dataset }

// Name returns "postgres".
func (*Dialect) Name() string { return "postgres" }

// Quote quotes an identifier with double quotes.
func (*Dialect) Quote(name string) string { return pq.QuoteIdentifier(name) }

// Table qualifies a table name with the dataset.
func (d *Dialect) Table(name string) string {
	return d.Quote(d.dataset) + "." + d.Quote(name)
}

// MaxIdentifierLen is Postgres' NAMEDATALEN-1: 63 bytes.
func (*Dialect) MaxIdentifierLen() int { return 63 }

// MaxParams is the protocol's limit of 65535 bind parameters.
func (*Dialect) MaxParams() int { return 65535 }

// Placeholder returns "$n".
func (*Dialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// ColumnType returns the Postgres type of a logical type.
func (*Dialect) ColumnType(t schema.Type) string {
	switch t {
	case schema.Boolean:
		return "boolean"
	case schema.Bigint:
		return "bigint"
	case schema.Double:
		return "double precision"
	case schema.Decimal:
		return "numeric"
	case schema.Timestamp:
		return "timestamptz"
	case schema.JSON:
		return "jsonb"
	}
	return "text"
}

// Encode sends decimals and JSON as text, and timestamps as they are:
// one with digits below the microsecond, which Postgres would round
// away (.NET and Azure write seven), is an error naming the fix.
func (*Dialect) Encode(t schema.Type, v any) (any, error) {
	switch x := v.(type) {
	case time.Time:
		if x.Nanosecond()%int(time.Microsecond) != 0 {
			return nil, fmt.Errorf("postgres: timestamp %s has digits below the microsecond, which a timestamptz column would round away: %w (a columns hint data_type: text keeps a root-table column as written)",
				x.UTC().Format(time.RFC3339Nano), destinations.ErrInexact)
		}
		return x.UTC(), nil
	case json.RawMessage:
		if err := storableText(string(x), true); err != nil {
			return nil, err
		}
		return string(x), nil
	case string:
		if err := storableText(x, false); err != nil {
			return nil, err
		}
		return v, nil // v, not x: boxing x again would allocate per value
	case json.Number:
		return string(x), nil
	case bool, int64, float64:
		return x, nil
	}
	return nil, fmt.Errorf("postgres: cannot store %T in a %s column", v, t)
}

// storableText refuses text Postgres cannot hold, before COPY would fail
// on it with an error that names no column: a NUL character, bytes that
// are not UTF-8, and in JSON text the escape \u0000 or half of a
// surrogate pair (jsonb refuses both), or a number beyond numeric's
// range (numberOutOfRange).
func storableText(s string, isJSON bool) error {
	const fix = "(exclude the field with processing_steps exclude_columns, or load into SQLite, which keeps it)"
	if isJSON && numberOutOfRange(s) {
		return fmt.Errorf("postgres: JSON holds a number beyond numeric's range (%d digits before the point, %d after), which jsonb cannot store: %w %s", numericIntDigits, numericFracDigits, destinations.ErrInexact, fix)
	}
	if plainASCII(s) && !(isJSON && strings.Contains(s, `\u`)) {
		return nil // the common case, in one pass
	}
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("postgres: text holds a NUL character, which Postgres text cannot store: %w %s", destinations.ErrInexact, fix)
	case !utf8.ValidString(s):
		return fmt.Errorf("postgres: text holds bytes that are not UTF-8, which Postgres text cannot store: %w %s", destinations.ErrInexact, fix)
	case isJSON && escapedNUL(s):
		return fmt.Errorf("postgres: JSON holds the escape \\u0000, which jsonb cannot store: %w %s", destinations.ErrInexact, fix)
	case isJSON && normalize.LoneSurrogate(s):
		return fmt.Errorf("postgres: JSON holds half of a UTF-16 surrogate pair (a \\uD800–\\uDFFF escape alone), which jsonb cannot store: %w %s", destinations.ErrInexact, fix)
	}
	return nil
}

// plainASCII reports whether s is ASCII without a NUL byte, reading it 8
// bytes at a time: most text an API sends, which then needs no other
// check.
func plainASCII(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&highs != 0 || (w-ones)&^w&highs != 0 { // a byte of 0x80 or more, or a zero byte
			return false
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == 0 || c >= 0x80 {
			return false
		}
	}
	return true
}

// escapedNUL reports whether JSON text s holds the escape \u0000 (a
// backslash that is not itself escaped, then u0000).
func escapedNUL(s string) bool {
	for i := strings.Index(s, `\u0000`); i >= 0; {
		n := 0
		for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
		next := strings.Index(s[i+1:], `\u0000`)
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}

// AddKey builds a unique index on _pipe_id of table, which locks out
// writers but not readers, and at the end of the load makes it the
// primary key (named as SwapTable names it), which takes a lock that
// readers wait for only until the commit that follows.
func (d *Dialect) AddKey(ctx context.Context, tx *sqlx.Tx, table string, final bool) error {
	name := d.Quote(sqlload.ShortName(table+"_pkey", d.MaxIdentifierLen()))
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s)",
		name, d.Table(table), d.Quote(schema.ColID))); err != nil {
		return err
	}
	if !final {
		return nil
	}
	if has, err := d.HasKey(ctx, tx, table); err != nil || has {
		return err
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s PRIMARY KEY USING INDEX %s", d.Table(table), name, name))
	return err
}

// HasKey reports whether table has a primary key.
func (d *Dialect) HasKey(ctx context.Context, q sqlx.QueryerContext, table string) (bool, error) {
	var has bool
	err := sqlx.GetContext(ctx, q, &has,
		"SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p')", d.Table(table))
	return has, err
}

// OnConflict is Postgres' upsert clause.
func (d *Dialect) OnConflict(key []string, action sqlload.Conflict, update []string) string {
	return sqlload.OnConflictClause(d, key, action, update)
}

// ExistingColumns reads the catalog for a table of the dataset.
func (d *Dialect) ExistingColumns(ctx context.Context, q sqlx.QueryerContext, table string) ([]string, bool, error) {
	var cols []string
	err := sqlx.SelectContext(ctx, q, &cols, `SELECT a.attname FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`, d.dataset, table)
	if err != nil {
		return nil, false, err
	}
	return cols, len(cols) > 0, nil
}

// WidenColumns alters the column types in one statement, converting with
// casts: bigint to double precision exactly below 2^53, numbers to their
// shortest round-tripping text, and through that text to numeric (a
// direct double precision::numeric cast keeps only 15 digits).
func (d *Dialect) WidenColumns(ctx context.Context, tx *sqlx.Tx, table string, t *schema.Table, ws []sqlload.Widening) error {
	alters := make([]string, len(ws))
	for i, w := range ws {
		c, typ := d.Quote(w.Column.Name), d.ColumnType(w.Column.Type)
		using := c
		if w.Column.Type == schema.Decimal {
			using += "::text"
		}
		alters[i] = fmt.Sprintf("ALTER COLUMN %s TYPE %s USING %s::%s", c, typ, using, typ)
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s %s", d.Table(table), strings.Join(alters, ", ")))
	return err
}

// SwapTable drops table, renames staging to it and renames the primary
// key constraint after the table, so that the next staging table gets the
// staging name free. The DROP takes an exclusive lock: readers of table
// wait for the commit.
func (d *Dialect) SwapTable(ctx context.Context, tx *sqlx.Tx, table, staging string) error {
	if _, err := tx.ExecContext(ctx, "DROP TABLE "+d.Table(table)); err != nil {
		return fmt.Errorf("drop: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s RENAME TO %s", d.Table(staging), d.Quote(table))); err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	var pkey string
	if err := tx.GetContext(ctx, &pkey, "SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'",
		d.Table(table)); err != nil {
		return fmt.Errorf("primary key: %w", err)
	}
	want := sqlload.ShortName(table+"_pkey", d.MaxIdentifierLen())
	if pkey == want {
		return nil
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s", d.Table(table), d.Quote(pkey), d.Quote(want))); err != nil {
		return fmt.Errorf("rename primary key: %w", err)
	}
	return nil
}
