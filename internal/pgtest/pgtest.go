// Package pgtest gives tests a real Postgres server: a DSN whose dataset
// is a fresh schema, dropped when the test ends. Without a reachable
// server a test skips, unless the CI environment variable is set, in
// which case it fails: CI never skips Postgres silently.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/lib/pq" // the driver under test
)

// DefaultDSN is used when PIPE_TEST_POSTGRES is not set.
const DefaultDSN = "postgres://postgres@localhost:5432/postgres?sslmode=disable"

// DSN returns a connection URL for a new, empty schema (in its schema=
// parameter, as pipe's --dest takes it) and the schema's name.
func DSN(t testing.TB) (dsn, schema string) {
	t.Helper()
	base := os.Getenv("PIPE_TEST_POSTGRES")
	if base == "" {
		base = DefaultDSN
	}
	db, err := sql.Open("postgres", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("postgres not reachable (set PIPE_TEST_POSTGRES): %v", err)
		}
		t.Skipf("postgres not reachable (set PIPE_TEST_POSTGRES): %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema = "pipe_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		_, _ = db.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`)
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("PIPE_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("schema", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}

// Open returns a connection to the server DSN points at, closed at cleanup.
func Open(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	schema := q.Get("schema")
	q.Del("schema")
	u.RawQuery = q.Encode()
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if schema != "" {
		if _, err := db.Exec(`SET search_path TO ` + schema); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { db.Close() })
	return db
}
