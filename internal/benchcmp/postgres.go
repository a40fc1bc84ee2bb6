package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	_ "github.com/lib/pq" // the baseline's and pipe's Postgres driver
)

// defaultPostgres is the server tried when PIPE_TEST_POSTGRES is not set,
// as in pipe's tests.
const defaultPostgres = "postgres://postgres@localhost:5432/postgres?sslmode=disable"

// postgresServer is a reachable Postgres server for scenario (b).
type postgresServer struct {
	dsn *url.URL
	db  *sql.DB
}

// openPostgres connects to dsn (a postgres:// URL); ok is false when no
// server answers, so that the scenario is skipped.
func openPostgres(ctx context.Context, dsn string) (*postgresServer, bool, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, false, fmt.Errorf("postgres DSN must be a postgres:// URL")
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, false, nil
	}
	return &postgresServer{dsn: u, db: db}, true, nil
}

// schemaTarget returns a target that loads into a fresh schema named
// prefix+run, given to the program as param (schema for pipe,
// search_path for the baseline), and dropped after the run.
func (p *postgresServer) schemaTarget(ctx context.Context, prefix, param string) func(run int) (target, error) {
	return func(run int) (target, error) {
		schema := fmt.Sprintf("%s%d", prefix, run)
		drop := func() error {
			_, err := p.db.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
			return err
		}
		if err := drop(); err != nil {
			return target{}, fmt.Errorf("postgres: drop schema %s: %w", schema, err)
		}
		if _, err := p.db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			return target{}, fmt.Errorf("postgres: create schema %s: %w", schema, err)
		}
		u := *p.dsn
		q := u.Query()
		q.Set(param, schema)
		u.RawQuery = q.Encode()
		return target{dest: u.String(), clean: drop}, nil
	}
}

func (p *postgresServer) close() error { return p.db.Close() }
