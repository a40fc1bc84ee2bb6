package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestPageSize checks that Open creates a new file with newFilePageSize
// pages in WAL mode and leaves an existing file's page size alone.
func TestPageSize(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	pageSize := func(path string) int {
		t.Helper()
		d, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if _, err := d.DB().ExecContext(ctx, "CREATE TABLE IF NOT EXISTS t (x)"); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.DB().GetContext(ctx, &n, "PRAGMA page_size"); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := pageSize(filepath.Join(dir, "new.db")); got != newFilePageSize {
		t.Errorf("new file: page_size %d, want %d", got, newFilePageSize)
	}
	if got := pageSize(filepath.Join(dir, "new.db")); got != newFilePageSize {
		t.Errorf("reopened: page_size %d, want %d", got, newFilePageSize)
	}

	old := filepath.Join(dir, "old.db")
	db := sql.OpenDB(connector{dsn: old})
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	var want int
	if err := db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&want); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if want == newFilePageSize {
		t.Fatalf("SQLite's default page size is %d already", want)
	}
	if got := pageSize(old); got != want {
		t.Errorf("existing file: page_size %d, want its own %d", got, want)
	}
}
