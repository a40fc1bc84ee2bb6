package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// loadSQLite inserts every issue into table issues of a new SQLite file
// at path with one prepared statement in one transaction.
func loadSQLite(ctx context.Context, path string, src *source) (int, error) {
	db := sql.OpenDB(connector{dsn: path + "?_journal_mode=WAL&_synchronous=NORMAL"})
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE issues (id TEXT PRIMARY KEY, type TEXT, key TEXT, title TEXT,
		issue_type TEXT, severity TEXT, status TEXT, created_at TEXT, updated_at TEXT, org_id TEXT, raw TEXT)`); err != nil {
		return 0, fmt.Errorf("create table: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO issues VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
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
	return n, tx.Commit()
}

type connector struct{ dsn string }

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.Driver().Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return &sqlite3.SQLiteDriver{} }
