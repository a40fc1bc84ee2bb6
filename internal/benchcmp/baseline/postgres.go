package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/lib/pq"
)

// loadPostgres copies every issue into table issues (created in the
// DSN's search_path) in one transaction with one COPY.
func loadPostgres(ctx context.Context, dsn string, src *source) (int, error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE issues (id text PRIMARY KEY, type text, key text, title text,
		issue_type text, severity text, status text, created_at timestamptz, updated_at timestamptz, org_id text, raw jsonb)`); err != nil {
		return 0, fmt.Errorf("create table: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("issues", "id", "type", "key", "title", "issue_type", "severity",
		"status", "created_at", "updated_at", "org_id", "raw"))
	if err != nil {
		return 0, err
	}
	n := 0
	err = src.each(ctx, func(is *issue) error {
		n++
		_, err := stmt.Exec(is.id, is.typ, is.key, is.title, is.kind, is.severity, is.status, is.created, is.updated, is.org, is.raw)
		return err
	})
	if err != nil {
		return 0, err
	}
	if _, err := stmt.Exec(); err != nil {
		return 0, fmt.Errorf("copy: %w", err)
	}
	if err := stmt.Close(); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}
