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
	hasIndex := func(t *testing.T, table, index string) bool {
		var n int
		if err := db.GetContext(t.Context(), &n, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?",
			table, index); err != nil {
			t.Fatalf("indexes of %s: %v", table, err)
		}
		return n > 0
	}
	return desttest.Target{Dest: d, DB: db, Reopen: reopen, TimePrecision: time.Nanosecond, HasIndex: hasIndex}
}

func TestConformance(t *testing.T) {
	desttest.Run(t, openTarget)
}
