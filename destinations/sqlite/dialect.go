package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
	"unsafe"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations/sqlload"
	"github.com/pipe-etl/pipe/engine/schema"
)

// TimeFormat is how timestamps are stored: UTC, always nine fraction
// digits, so that text order is time order.
const TimeFormat = "2006-01-02T15:04:05.000000000Z"

// Settings of the synchronous pragma outside and during loads.
const (
	syncDefault = "FULL"
	syncLoad    = "NORMAL"
)

// Dialect is the sqlload.Dialect of SQLite.
type Dialect struct {
	cache sqlload.StatementCache
	path  string       // the database file, for the run lock; empty for none
	file  os.FileInfo  // path when opened, for BeforeCommit; nil for none
	log   *slog.Logger // for waitForWriteLock; nil for none
}

var (
	_ sqlload.Dialect      = (*Dialect)(nil)
	_ sqlload.TxHooks      = (*Dialect)(nil)
	_ sqlload.KeyDeferrer  = (*Dialect)(nil)
	_ sqlload.IndexBuilder = (*Dialect)(nil)
)

// New returns the SQLite dialect.
func New() *Dialect { return &Dialect{} }

// Name returns "sqlite".
func (*Dialect) Name() string { return "sqlite" }

// Quote quotes an identifier with double quotes.
func (*Dialect) Quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// Table quotes a table name; SQLite has no dataset.
func (d *Dialect) Table(name string) string { return d.Quote(name) }

// MaxIdentifierLen is 1024: SQLite has no limit, and names that long
// serve no one.
func (*Dialect) MaxIdentifierLen() int { return 1024 }

// MaxParams is SQLite's default SQLITE_MAX_VARIABLE_NUMBER.
func (*Dialect) MaxParams() int { return 32766 }

// Placeholder returns "?".
func (*Dialect) Placeholder(int) string { return "?" }

// ColumnType returns the declared type of a logical type. Decimals are
// TEXT holding the exact literal: a NUMERIC or DECIMAL declaration has
// numeric affinity, which would store 12345678901234567890123 as a
// rounded REAL.
func (*Dialect) ColumnType(t schema.Type) string {
	switch t {
	case schema.Boolean:
		return "BOOLEAN"
	case schema.Bigint:
		return "BIGINT"
	case schema.Double:
		return "DOUBLE"
	case schema.Timestamp:
		return "TIMESTAMP"
	case schema.JSON:
		return "JSON"
	}
	return "TEXT"
}

// Encode stores booleans as 0 or 1, timestamps as TimeFormat text,
// decimals as their literal text and JSON as text (never as a blob, which SQLite's JSON functions would read
// as JSONB).
func (*Dialect) Encode(t schema.Type, v any) (any, error) {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case time.Time:
		return x.UTC().Format(TimeFormat), nil
	case json.RawMessage:
		// bound as text without a copy: a row's JSON is never written to
		return unsafe.String(unsafe.SliceData(x), len(x)), nil
	case json.Number:
		return string(x), nil
	case int64, float64, string:
		return x, nil
	}
	return nil, fmt.Errorf("sqlite: cannot store %T in a %s column", v, t)
}

// AddKey makes _pipe_id the key of table with a unique index (SQLite
// cannot add a primary key to a table), mid-load as at its end; upserts
// resolve conflicts on it as on a primary key.
func (d *Dialect) AddKey(ctx context.Context, tx *sqlx.Tx, table string, _ bool) error {
	return d.buildIndex(ctx, tx, fmt.Sprintf("CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s)",
		d.Quote(sqlload.KeyIndexName(table, d.MaxIdentifierLen())), d.Table(table), d.Quote(schema.ColID)))
}

// CreateIndex creates an index on one column of table.
func (d *Dialect) CreateIndex(ctx context.Context, tx *sqlx.Tx, table, index, column string) error {
	return d.buildIndex(ctx, tx, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
		d.Quote(index), d.Table(table), d.Quote(column)))
}

// sortKiB is the page cache while an index is built. SQLite sorts the
// keys in memory as large as the page cache before it spills sorted runs
// to temporary files, and glibc keeps much of that memory once freed: at
// the end of a load of a million issues, building the indexes with the
// load's cache raised the peak RSS by 30 MiB. The builds write pages in
// order and need little cache.
const sortKiB = 2048

// buildIndex runs the CREATE INDEX q with the page cache at sortKiB,
// then gives the cache its size before (cacheKiB, or mergeCacheKiB in a
// merge).
func (*Dialect) buildIndex(ctx context.Context, tx *sqlx.Tx, q string) error {
	var was int
	if err := tx.GetContext(ctx, &was, "PRAGMA cache_size"); err != nil {
		return fmt.Errorf("cache_size: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", sortKiB)); err != nil {
		return fmt.Errorf("cache_size: %w", err)
	}
	_, err := tx.ExecContext(ctx, q)
	if _, rerr := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = %d", was)); err == nil && rerr != nil {
		err = fmt.Errorf("cache_size: %w", rerr)
	}
	return err
}

// HasKey reports whether table has a unique index on _pipe_id alone: its
// primary key or the index of AddKey.
func (*Dialect) HasKey(ctx context.Context, q sqlx.QueryerContext, table string) (bool, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM pragma_index_list(?1) AS l
WHERE l."unique" AND (SELECT group_concat(name) FROM pragma_index_info(l.name)) = ?2`, table, schema.ColID)
	return n > 0, err
}

// OnConflict is SQLite's upsert clause (SQLite 3.24 and later).
func (d *Dialect) OnConflict(key []string, action sqlload.Conflict, update []string) string {
	return sqlload.OnConflictClause(d, key, action, update)
}

// ExistingColumns reads pragma_table_info.
func (*Dialect) ExistingColumns(ctx context.Context, q sqlx.QueryerContext, table string) ([]string, bool, error) {
	var cols []string
	if err := sqlx.SelectContext(ctx, q, &cols, "SELECT name FROM pragma_table_info(?) ORDER BY cid", table); err != nil {
		return nil, false, err
	}
	return cols, len(cols) > 0, nil
}

// SwapTable drops table and renames staging to it. Under WAL, readers
// keep their snapshot of the old table until the transaction commits.
func (d *Dialect) SwapTable(ctx context.Context, tx *sqlx.Tx, table, staging string) error {
	if _, err := tx.ExecContext(ctx, "DROP TABLE "+d.Table(table)); err != nil {
		return fmt.Errorf("drop: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s RENAME TO %s", d.Table(staging), d.Quote(table))); err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	return nil
}

// NewInserter returns a single-row INSERT inserter sharing d's statement
// cache (see sqlload.RowInserter for why not multi-row INSERTs). SQL
// uses NewConnInserter instead for the transactions it runs on a
// dedicated connection, which are all of SQLite's.
func (d *Dialect) NewInserter(tx *sqlx.Tx) sqlload.Inserter {
	return sqlload.NewRowInserter(tx, d, &d.cache)
}

// loadPragmas are the connection settings of a load transaction, each
// with the value AfterEnd restores. temp_store=MEMORY is not one of them:
// it saved write calls for statement journals of multi-row upserts, not
// of single-row ones, and it makes SQLite sort in memory without bound,
// which the index builds at the end of a load (see
// sqlload.KeyDeferrer) turned into 380 MB for a million issues.
var loadPragmas = []struct{ name, load, restore string }{
	{"synchronous", syncLoad, syncDefault},
	{"cache_size", cacheSize(cacheKiB), cacheSize(cacheKiB)}, // BeforeMerge raises it
}

func cacheSize(kib int) string { return fmt.Sprintf("-%d", kib) }

// mergeCacheKiB is the page cache of a transaction of a load that has
// merged sqlload.MergeTuneRoots existing roots: each row's upsert probes the _pipe_id index, and each
// merged root the _pipe_root_id index of every child table, at places
// that hash ids scatter over the whole index, so a cache that holds more
// of the indexes saves reads. Re-merging 50k issues measured 25% less
// CPU time in the writer with 64 MiB than with 16 (README,
// Performance), for at most 48 MiB more memory, and only in loads that
// merge that many rows: a first load and a small incremental run keep
// the 16 MiB of cacheKiB (the page faults of a larger cache cost a 1%
// run more than it saved).
const mergeCacheKiB = 65536

var _ sqlload.MergeTuner = (*Dialect)(nil)

// BeforeMerge raises the page cache to mergeCacheKiB for the rest of the
// transaction; AfterEnd restores it.
func (*Dialect) BeforeMerge(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, "PRAGMA cache_size = "+cacheSize(mergeCacheKiB))
	return err
}

// BeforeBegin sets synchronous=NORMAL and the page cache of cacheKiB for
// the load transaction.
func (d *Dialect) BeforeBegin(ctx context.Context, conn *sqlx.Conn) error {
	if err := d.waitForWriteLock(ctx, conn); err != nil {
		return err
	}
	for _, p := range loadPragmas {
		if _, err := conn.ExecContext(ctx, "PRAGMA "+p.name+" = "+p.load); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return nil
}

// AfterEnd restores synchronous=FULL and the page cache of cacheKiB.
func (*Dialect) AfterEnd(ctx context.Context, conn *sqlx.Conn) error {
	for _, p := range loadPragmas {
		if _, err := conn.ExecContext(ctx, "PRAGMA "+p.name+" = "+p.restore); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return nil
}
