// Package postgres is pipe's Postgres destination: the generic SQL loader
// of package destinations/sqlload with a Dialect for github.com/lib/pq that loads
// in bulk with COPY.
//
// A destination is one Postgres schema, the dataset: the WithDataset
// option, else the DSN's schema= parameter (which is not sent to the
// server), else "public". Open creates the schema if it does not exist.
//
// Logical types map to boolean, bigint, double precision, numeric, text,
// timestamptz (microseconds: a value with finer digits is refused) and
// jsonb. Text and JSON cannot hold NUL characters or bytes that are not
// UTF-8 in Postgres: Encode refuses them (destinations.ErrInexact), so
// that the error names the column.
//
// Every write goes through COPY into a temporary table (one per data
// table and transaction, dropped at commit), then INSERT ... SELECT ...
// ON CONFLICT (_pipe_id) into the target: DO NOTHING for append, DO UPDATE
// for merge and replace staging. A replace swaps its staging table in by
// DROP and RENAME inside the load's transaction: readers of the table
// wait for the commit and then see the new rows, never a mix.
package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/pipe-etl/pipe/destinations/sqlload"
)

// DefaultDataset is the schema loaded into when neither WithDataset nor
// the DSN names one.
const DefaultDataset = "public"

// dsnSchemaParam is the DSN parameter naming the dataset.
const dsnSchemaParam = "schema"

// Option configures Open.
type Option func(*options)

type options struct {
	dataset string
	log     *slog.Logger
}

// WithDataset sets the Postgres schema to load into; it overrides the
// DSN's schema= parameter.
func WithDataset(name string) Option {
	return func(o *options) { o.dataset = name }
}

// WithLogger sets the logger; without it logging is discarded.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.log = l }
}

// Open connects to the Postgres database of dsn (a postgres:// URL or
// key=value pairs; an empty dsn uses libpq's environment defaults such as
// PGHOST) and returns the dataset as a destination, creating its schema if
// missing. Bookkeeping tables are created by the first load.
func Open(ctx context.Context, dsn string, opts ...Option) (*Destination, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	cfg, dataset, err := parseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if o.dataset != "" {
		dataset = o.dataset
	}
	d := New(dataset)
	if err := sqlload.CheckIdentifier(dataset, d.MaxIdentifierLen()); err != nil {
		return nil, fmt.Errorf("postgres: open: dataset: %w", err)
	}
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db := sqlx.NewDb(sql.OpenDB(conn), "postgres")
	if err := ensureSchema(ctx, db, d); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: open: dataset %q: %w", dataset, err)
	}
	if o.log != nil {
		d.locks = &lockWatch{db: db, log: o.log}
	}
	return &Destination{SQL: sqlload.NewSQL(db, d, o.log)}, nil
}

// parseDSN parses dsn as pq does and takes the schema= parameter out of
// the run-time parameters pq would send to the server.
func parseDSN(dsn string) (pq.Config, string, error) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		// pq's errors may quote the DSN, password included: do not wrap.
		return pq.Config{}, "", fmt.Errorf("invalid connection string")
	}
	dataset := DefaultDataset
	if s, ok := cfg.Runtime[dsnSchemaParam]; ok {
		if s != "" {
			dataset = s
		}
		delete(cfg.Runtime, dsnSchemaParam)
	}
	return cfg, dataset, nil
}

// ensureSchema creates the dataset's schema if it does not exist; a user
// without the right to create schemas can load into an existing one.
func ensureSchema(ctx context.Context, db *sqlx.DB, d *Dialect) error {
	var exists bool
	if err := db.GetContext(ctx, &exists, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", d.dataset); err != nil {
		return err
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+d.Quote(d.dataset)); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	return nil
}
