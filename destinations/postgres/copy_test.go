package postgres

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/state"
)

// TestCopyInBackground writes more new rows than copyBatchRows, which
// the COPY inserter sends in the background: a statement the load runs
// meanwhile (SaveState) waits for it, every row commits with it, and a
// row the server refuses fails the load and commits nothing.
func TestCopyInBackground(t *testing.T) {
	tg := openTarget(t)
	ctx := t.Context()
	tb := &schema.Table{Name: "things", Columns: []schema.Column{
		{Name: schema.ColID, Type: schema.Text}, {Name: "n", Type: schema.Bigint, Nullable: true},
	}}
	rows := func(bad int) []schema.Row {
		out := make([]schema.Row, copyBatchRows+10)
		for i := range out {
			n := int64(i)
			if i == bad {
				n = -1
			}
			out[i] = schema.Row{schema.ColID: fmt.Sprint("id", i), "n": n}
		}
		return out
	}
	load := func(id string, bad int, trigger bool) error {
		tx, err := tg.Dest.Begin(ctx, destinations.Load{ID: id, Pipeline: "p"})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := tx.EnsureTable(ctx, tb, nil); err != nil {
			t.Fatal(err)
		}
		if trigger {
			stx, err := tx.(destinations.SQLTxer).SQLTx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ds := tg.Dest.(*Destination).Dialect().(*Dialect).Dataset()
			if _, err := stx.ExecContext(ctx, fmt.Sprintf(`CREATE FUNCTION %[1]q.no_negative() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN IF NEW.n < 0 THEN RAISE EXCEPTION 'negative n'; END IF; RETURN NEW; END $$;
CREATE TRIGGER no_negative BEFORE INSERT ON %[1]q.things FOR EACH ROW EXECUTE FUNCTION %[1]q.no_negative()`, ds)); err != nil {
				t.Fatal(err)
			}
		}
		werr := tx.Write(ctx, &destinations.Batch{Resource: "things", Disposition: destinations.Merge,
			Tables: []destinations.TableRows{{Table: tb, Rows: rows(bad)}}})
		serr := tx.SaveState(ctx, "p", []state.Entry{{Key: state.Key{Resource: "things"}, Cursor: id}})
		return errors.Join(werr, serr, tx.Commit(ctx, destinations.LoadStatus{Status: "completed"}))
	}
	if err := load("l1", copyBatchRows-1, true); err == nil || !strings.Contains(err.Error(), "negative n") {
		t.Fatalf("load with a refused row: %v, want the trigger's error", err)
	}
	var n int
	if err := tg.DB.Get(&n, "SELECT count(*) FROM pg_tables WHERE tablename = 'things'"); err != nil || n != 0 {
		t.Fatalf("tables named things after the failed load: %d, %v; want none", n, err)
	}
	if err := load("l2", -1, false); err != nil {
		t.Fatal(err)
	}
	if err := tg.DB.Get(&n, "SELECT count(*) FROM things"); err != nil || n != copyBatchRows+10 {
		t.Errorf("rows: %d, %v; want %d", n, err, copyBatchRows+10)
	}
	var cursor string
	if err := tg.DB.Get(&cursor, "SELECT cursor FROM _pipe_state WHERE resource = 'things'"); err != nil || cursor != "l2" {
		t.Errorf("cursor: %q, %v; want l2", cursor, err)
	}
}

// TestCopyHeldBytes: new rows are held for a later COPY until
// copyBatchRows of them or copyBatchBytes of their text wait, so that
// wide rows do not fill memory.
func TestCopyHeldBytes(t *testing.T) {
	rows := func(n, width int) [][]any {
		out := make([][]any, n)
		for i := range out {
			out[i] = []any{fmt.Sprint("id", i), strings.Repeat("x", width), int64(i)}
		}
		return out
	}
	for _, tt := range []struct {
		name        string
		batches     [][][]any
		enoughAfter int // 1-based batch after which keep reports enough; 0 never
	}{
		{"narrow", [][][]any{rows(300, 10), rows(300, 10)}, 0},
		{"rows", [][][]any{rows(copyBatchRows-1, 1), rows(1, 1)}, 2},
		{"wide", [][][]any{rows(100, copyBatchBytes/300), rows(100, copyBatchBytes/300), rows(100, copyBatchBytes/300+1)}, 3},
		{"one wide row", [][][]any{rows(1, copyBatchBytes)}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &copyInserter{}
			for i, b := range tt.batches {
				enough := c.keep("t", "cols", nil, b)
				if want := i+1 == tt.enoughAfter; enough != want {
					t.Fatalf("after batch %d: enough %v, want %v (%d rows, %d bytes held)", i+1, enough, want, c.heldRows, c.heldBytes)
				}
			}
		})
	}
}
