package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// TestInsertCancelled checks that a write stops at a cancelled context
// even though single-row statements run under one that is never
// cancelled.
func TestInsertCancelled(t *testing.T) {
	d, err := Open(t.Context(), filepath.Join(t.TempDir(), "pipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tb := &schema.Table{Name: "t", Columns: []schema.Column{
		{Name: schema.ColID, Type: schema.Text, PrimaryKey: true},
		{Name: "n", Type: schema.Bigint, Nullable: true},
	}}
	rows := func(from, n int) []schema.Row {
		out := make([]schema.Row, n)
		for i := range out {
			out[i] = schema.Row{schema.ColID: fmt.Sprint("r", from+i), "n": int64(from + i)}
		}
		return out
	}
	tx, err := d.Begin(t.Context(), destinations.Load{ID: "l1", Pipeline: "p", Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.EnsureTable(t.Context(), tb, nil); err != nil {
		t.Fatal(err)
	}
	write := func(ctx context.Context, rs []schema.Row) error {
		return tx.Write(ctx, &destinations.Batch{Resource: "t", Disposition: destinations.Append,
			Tables: []destinations.TableRows{{Table: tb, Rows: rs}}})
	}
	if err := write(t.Context(), rows(0, 3)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := write(ctx, rows(3, 1000)); !errors.Is(err, context.Canceled) {
		t.Fatalf("write with a cancelled context: %v, want context.Canceled", err)
	}
}
