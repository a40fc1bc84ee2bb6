package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// OpenDB connects to the database of dsn for tools that read or fix
// bookkeeping (pipe show, pipe state) and returns the pool and the
// dataset. Every connection's search_path is the dataset, so that its
// tables are found by their bare names. With readOnly, every transaction
// of every connection starts READ ONLY (default_transaction_read_only);
// callers that run statements written by a user should also run each in
// a READ ONLY transaction of its own, prepared (a single statement), with
// a statement_timeout. Unlike Open, it never creates the schema.
func OpenDB(ctx context.Context, dsn string, readOnly bool) (*sqlx.DB, string, error) {
	cfg, dataset, err := parseDSN(dsn)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: open: %w", err)
	}
	if cfg.Runtime == nil {
		cfg.Runtime = map[string]string{}
	}
	cfg.Runtime["search_path"] = pq.QuoteIdentifier(dataset)
	if readOnly {
		cfg.Runtime["default_transaction_read_only"] = "on"
	}
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: open: %w", err)
	}
	db := sqlx.NewDb(sql.OpenDB(conn), "postgres")
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("postgres: open: %w", err)
	}
	return db, dataset, nil
}
