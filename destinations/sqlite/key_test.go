package sqlite

import (
	"path/filepath"
	"testing"
)

// TestHasKey checks which unique indexes count as a table's key: the
// primary key of tables made before keys were deferred, and AddKey's.
func TestHasKey(t *testing.T) {
	ctx := t.Context()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "pipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	db := d.DB()
	for _, q := range []string{
		`CREATE TABLE pk ("_pipe_id" TEXT NOT NULL, PRIMARY KEY ("_pipe_id"))`,
		`CREATE TABLE added ("_pipe_id" TEXT NOT NULL)`,
		`CREATE TABLE none ("_pipe_id" TEXT NOT NULL, "x" TEXT)`,
		`CREATE UNIQUE INDEX other ON none ("x")`,
		`CREATE INDEX plain ON none ("_pipe_id")`,
		`CREATE TABLE pair ("_pipe_id" TEXT NOT NULL, "x" TEXT, PRIMARY KEY ("_pipe_id", "x"))`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	dl := New()
	if err := dl.AddKey(ctx, tx, "added", true); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]bool{"pk": true, "added": true, "none": false, "pair": false} {
		got, err := dl.HasKey(ctx, tx, table)
		if err != nil || got != want {
			t.Errorf("HasKey(%s) = %v, %v; want %v", table, got, err, want)
		}
	}
}
