package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/desttest"
)

// defaultTestDSN is used when neither PIPE_TEST_POSTGRES nor any PG*
// environment variable says where the server is.
const defaultTestDSN = "postgres://postgres@localhost:5432/postgres?sslmode=disable"

// testDSN is PIPE_TEST_POSTGRES, else libpq's defaults if any PG*
// variable is set, else defaultTestDSN.
func testDSN() string {
	if dsn := os.Getenv("PIPE_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PGHOST=") || strings.HasPrefix(kv, "PGPORT=") ||
			strings.HasPrefix(kv, "PGUSER=") || strings.HasPrefix(kv, "PGDATABASE=") {
			return ""
		}
	}
	return defaultTestDSN
}

var (
	serverOnce sync.Once
	serverErr  error
)

// requireServer skips the test when no server answers, or fails it when
// the CI variable is set: CI never skips silently.
func requireServer(t testing.TB) {
	t.Helper()
	serverOnce.Do(func() {
		db, err := connect(testDSN(), "")
		if err != nil {
			serverErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		serverErr = db.PingContext(ctx)
	})
	if serverErr == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("postgres not reachable (set PIPE_TEST_POSTGRES): %v", serverErr)
	}
	t.Skipf("postgres not reachable (set PIPE_TEST_POSTGRES): %v", serverErr)
}

// connect opens a pool on dsn whose search_path is searchPath, if set.
func connect(dsn, searchPath string) (*sqlx.DB, error) {
	cfg, _, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if searchPath != "" {
		cfg.Runtime["search_path"] = searchPath
	}
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, err
	}
	return sqlx.NewDb(sql.OpenDB(conn), "postgres"), nil
}

// freshDataset returns a new random schema name, dropped at cleanup.
func freshDataset(t testing.TB) string {
	t.Helper()
	requireServer(t)
	b := make([]byte, 6)
	rand.Read(b)
	name := "pipe_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		admin, err := connect(testDSN(), "")
		if err != nil {
			t.Errorf("drop schema %s: %v", name, err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP SCHEMA IF EXISTS " + pq.QuoteIdentifier(name) + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

func openTarget(t *testing.T) desttest.Target {
	dataset := freshDataset(t)
	reopen := func(t *testing.T) destinations.Destination {
		d, err := Open(t.Context(), testDSN(), WithDataset(dataset))
		if err != nil {
			t.Fatalf("open dataset %s: %v", dataset, err)
		}
		return d
	}
	d := reopen(t)
	t.Cleanup(func() { d.Close() })
	db, err := connect(testDSN(), dataset)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hasIndex := func(t *testing.T, table, index string) bool {
		var n int
		if err := db.GetContext(t.Context(), &n, "SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND indexname = $3",
			dataset, table, index); err != nil {
			t.Fatalf("indexes of %s: %v", table, err)
		}
		return n > 0
	}
	return desttest.Target{Dest: d, DB: db, Reopen: reopen, TimePrecision: time.Microsecond, HasIndex: hasIndex}
}

func TestConformance(t *testing.T) {
	desttest.Run(t, openTarget)
}
