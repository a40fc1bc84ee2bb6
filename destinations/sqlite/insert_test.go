package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/sqlload"
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

// TestInserters writes rows with the inserter of load transactions
// (straight through the driver connection) and with the generic
// single-row one: NULLs where a value is nil, statements re-prepared when
// the column list changes, and a failing row reported rather than lost.
func TestInserters(t *testing.T) {
	var cache sqlload.StatementCache
	for _, c := range []struct {
		name string
		make func(conn *sqlx.Conn, tx *sqlx.Tx) sqlload.Inserter
	}{
		{"conn", New().NewConnInserter},
		{"rows", func(_ *sqlx.Conn, tx *sqlx.Tx) sqlload.Inserter {
			return sqlload.NewRowInserter(tx, New(), &cache)
		}},
	} {
		t.Run(c.name, func(t *testing.T) { testInserter(t, c.make) })
	}
}

func testInserter(t *testing.T, newInserter func(conn *sqlx.Conn, tx *sqlx.Tx) sqlload.Inserter) {
	ctx := t.Context()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "pipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	conn, err := d.DB().Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE t ("_pipe_id" TEXT PRIMARY KEY, "n" BIGINT CHECK ("n" >= 0), "s" TEXT)`); err != nil {
		t.Fatal(err)
	}
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ins := newInserter(conn, tx)
	defer ins.Close()
	cols := func(names ...string) []schema.Column {
		var out []schema.Column
		for _, n := range names {
			out = append(out, schema.Column{Name: n})
		}
		return out
	}
	if err := ins.Insert(ctx, &sqlload.Insert{Table: "t", Columns: cols(schema.ColID, "n", "s"),
		Rows: [][]any{{"a", int64(1), "x"}, {"b", nil, "y"}, {"c", int64(3), nil}}}); err != nil {
		t.Fatalf("insert: %v", err)
	}
	// The next statement on the transaction sees the rows, though the
	// conn inserter writes them in the background and nothing flushed.
	var n int
	if err := tx.GetContext(ctx, &n, "SELECT count(*) FROM t"); err != nil || n != 3 {
		t.Fatalf("rows seen after Insert: %d, %v; want 3", n, err)
	}
	if err := ins.Insert(ctx, &sqlload.Insert{Table: "t", Columns: cols(schema.ColID, "s"),
		Rows: [][]any{{"d", "z"}}}); err != nil {
		t.Fatalf("insert with other columns: %v", err)
	}
	err = ins.Insert(ctx, &sqlload.Insert{Table: "t", Columns: cols(schema.ColID, "n"),
		Rows: [][]any{{"e", int64(5)}, {"f", int64(-1)}}})
	if f, ok := ins.(sqlload.Flusher); ok && err == nil {
		err = f.Flush(ctx) // a background insert reports its error here
	}
	if err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("insert violating a CHECK: %v, want an error for row 1", err)
	}
	var got []string
	if err := tx.SelectContext(ctx, &got, `SELECT _pipe_id || ':' || coalesce(n, 'NULL') || ':' || coalesce(s, 'NULL') FROM t ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	want := []string{"a:1:x", "b:NULL:y", "c:3:NULL", "d:NULL:z", "e:5:NULL"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
}

// TestInsertFailsCommit checks that a row the database refuses fails the
// load even though the conn inserter writes it in the background: Write
// or Commit returns the error, and nothing of the transaction commits.
func TestInsertFailsCommit(t *testing.T) {
	ctx := t.Context()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "pipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tb := &schema.Table{Name: "t", Columns: []schema.Column{
		{Name: schema.ColID, Type: schema.Text, PrimaryKey: true},
		{Name: "n", Type: schema.Bigint, Nullable: true},
	}}
	tx, err := d.Begin(ctx, destinations.Load{ID: "l1", Pipeline: "p", Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.EnsureTable(ctx, tb, nil); err != nil {
		t.Fatal(err)
	}
	stx, err := tx.(destinations.SQLTxer).SQLTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stx.ExecContext(ctx, `CREATE TRIGGER no_negative BEFORE INSERT ON t WHEN NEW.n < 0
BEGIN SELECT RAISE(ABORT, 'negative n'); END`); err != nil {
		t.Fatal(err)
	}
	rows := []schema.Row{{schema.ColID: "a", "n": int64(1)}, {schema.ColID: "b", "n": int64(-1)}}
	werr := tx.Write(ctx, &destinations.Batch{Resource: "t", Disposition: destinations.Append,
		Tables: []destinations.TableRows{{Table: tb, Rows: rows}}})
	cerr := tx.Commit(ctx, destinations.LoadStatus{Status: "completed", Finished: time.Now()})
	if err := errors.Join(werr, cerr); err == nil || !strings.Contains(err.Error(), "negative n") {
		t.Fatalf("write: %v, commit: %v; want the trigger's error", werr, cerr)
	}
	var n int
	if err := d.DB().GetContext(ctx, &n, "SELECT count(*) FROM sqlite_master WHERE name = 't'"); err != nil || n != 0 {
		t.Errorf("tables named t after the failed load: %d, %v; want none", n, err)
	}
}
