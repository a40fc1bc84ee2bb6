package sqlite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// TestCommitIntoRemovedFile: a database file deleted, or replaced by
// another, while a load runs fails the commit naming it; SQLite would
// commit into the unlinked file and the load report success.
func TestCommitIntoRemovedFile(t *testing.T) {
	for _, replace := range []bool{false, true} {
		ctx := t.Context()
		path := filepath.Join(t.TempDir(), "pipe.db")
		d, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		tb := &schema.Table{Name: "t", Columns: []schema.Column{{Name: schema.ColID, Type: schema.Text, PrimaryKey: true}}}
		tx, err := d.Begin(ctx, destinations.Load{ID: "l1", Pipeline: "p", Started: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.EnsureTable(ctx, tb, nil); err != nil {
			t.Fatal(err)
		}
		if err := tx.Write(ctx, &destinations.Batch{Resource: "t", Disposition: destinations.Append,
			Tables: []destinations.TableRows{{Table: tb, Rows: []schema.Row{{schema.ColID: "a"}}}}}); err != nil {
			t.Fatal(err)
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
		if replace {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		err = tx.Commit(ctx, destinations.LoadStatus{Status: "completed", Finished: time.Now()})
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "removed or replaced") {
			t.Errorf("replace %v: commit: %v", replace, err)
		}
		d.Close()
	}
}
