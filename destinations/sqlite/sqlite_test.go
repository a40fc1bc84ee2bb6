package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/desttest"
)

// openTarget opens a fresh database file in t.TempDir, and a second pool
// on the same file for the suite's assertions.
func openTarget(t *testing.T) desttest.Target {
	path := filepath.Join(t.TempDir(), "pipe.db")
	reopen := func(t *testing.T) destinations.Destination {
		d, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		return d
	}
	d := reopen(t)
	t.Cleanup(func() { d.Close() })
	db := sqlx.NewDb(sql.OpenDB(connector{dsn: path + "?_busy_timeout=10000"}), "sqlite3")
	t.Cleanup(func() { db.Close() })
	return desttest.Target{Dest: d, DB: db, Reopen: reopen, TimePrecision: time.Nanosecond}
}

func TestConformance(t *testing.T) {
	desttest.Run(t, openTarget)
}
