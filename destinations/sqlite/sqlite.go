// Package sqlite is pipe's SQLite destination: the generic SQL loader of
// package destinations/sqlload with a Dialect for github.com/mattn/go-sqlite3.
//
// A data table made by a load gets its key on _pipe_id and its
// _pipe_root_id index at the end of that load (sqlload.KeyDeferrer):
// the key is a unique index named _pipe_key__TABLE, since SQLite cannot
// add a primary key to a table; upserts resolve conflicts on it as on a
// primary key. Rows go in through the driver connection itself, one
// prepared single-row INSERT each, on a goroutine of their own while the
// writer prepares the next batch (see NewConnInserter).
//
// The database is one file, created if missing (with 16 KiB pages, see
// newFilePageSize), in WAL mode so that
// readers never block the loader nor see a half-written load. Each load
// transaction runs with synchronous=NORMAL (atomic and consistent under
// WAL; only the last transactions may be lost on power failure) and the
// connection gets synchronous=FULL back afterwards.
//
// Logical types are stored as follows (declared type: storage):
//
//	boolean   BOOLEAN: integer 0 or 1
//	bigint    BIGINT: integer
//	double    DOUBLE: real
//	text      TEXT: text
//	timestamp TIMESTAMP: text, UTC, fixed width, sortable as text:
//	          2024-01-02T03:04:05.123456789Z (always 9 fraction digits)
//	json      JSON: the JSON text (NUMERIC affinity: a bare JSON number
//	          such as 42 is stored as a number, its JSON meaning unchanged)
//
// SQLite cannot alter a column's type, so widening a column (bigint to
// double or text, double to text) rebuilds the table: a new table with the
// new declared types, the rows copied with SQLite's own conversion (an
// integral double becomes text without ".0"), the old table dropped and
// the new one renamed, the indexes recreated. The declared types thus
// match the logical types recorded in _pipe_schema. A rebuild copies the
// table once, inside the load's transaction.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"

	"github.com/pipe-etl/pipe/destinations/sqlload"
	"github.com/pipe-etl/pipe/engine/schema"
)

// cacheKiB is each connection's page cache, allocated as used, and the
// memory SQLite sorts in before it spills to temporary files when it
// builds an index. New tables are written in rowid order with their
// indexes built at the end of the load, so a first load of 100k issues
// runs as fast with 16 MiB as with 64 MiB (and peaks at 60 MiB of RSS
// instead of 110); a load that merges into existing tables touches their
// indexes everywhere and gets slower with less (re-merging 100k issues:
// 25 s with 16 MiB, 19 s with 64 MiB).
const cacheKiB = 16384

// lockSuffix names the file beside the database that runs lock to tell
// a live run from a dead one (see LockRun).
const lockSuffix = "-pipelock"

// busyTimeoutMS is how long a statement waits for a lock held by another
// connection or process before failing with "database is locked".
const busyTimeoutMS = 10000

// Option configures Open.
type Option func(*options)

type options struct {
	log *slog.Logger
}

// WithLogger sets the logger; without it logging is discarded.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.log = l }
}

// Open opens the SQLite database file at path, creating it if missing,
// and returns it as a destination. The directory must exist. Bookkeeping
// tables are created by the first load, so opening only to read (Tables,
// State) writes nothing but the empty file.
func Open(ctx context.Context, path string, opts ...Option) (*sqlload.SQL, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: open %q: path must be a file name without '?'", path)
	}
	dsn := fmt.Sprintf("%s?_busy_timeout=%d&_journal_mode=WAL&_synchronous=%s&_txlock=immediate&_cache_size=-%d",
		path, busyTimeoutMS, syncDefault, cacheKiB)
	if err := createFile(path); err != nil {
		if why := whyNotWritable(path); why != "" {
			return nil, fmt.Errorf("sqlite: create %q: %w (%s)", path, err, why)
		}
		return nil, fmt.Errorf("sqlite: create %q: %w", path, err)
	}
	db := sql.OpenDB(connector{dsn: dsn})
	if err := checkWAL(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	d := New()
	d.path = path
	file, err := os.Stat(path)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	d.file = file
	d.log = o.log
	return sqlload.NewSQL(sqlx.NewDb(db, "sqlite3"), d, o.log), nil
}

// checkWAL opens the first connection, which creates the file, and
// checks that the journal is in WAL mode.
func checkWAL(ctx context.Context, db *sql.DB) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, not wal", mode)
	}
	return nil
}

// connector opens go-sqlite3 connections without going through the
// database/sql driver registry.
type connector struct{ dsn string }

func (c connector) Connect(context.Context) (driver.Conn, error) {
	return c.Driver().Open(c.dsn)
}

func (c connector) Driver() driver.Driver {
	return &sqlite3.SQLiteDriver{ConnectHook: registerFuncs}
}

// doubleTextFunc is the SQL function that writes a double as
// schema.FormatDouble does, for the rebuild of a widened column (see
// textExpr).
const doubleTextFunc = "pipe_double_text"

// registerFuncs adds pipe's SQL functions to a new connection.
func registerFuncs(c *sqlite3.SQLiteConn) error {
	return c.RegisterFunc(doubleTextFunc, schema.FormatDouble, true)
}
