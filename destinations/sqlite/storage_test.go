package sqlite

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// TestStorage checks how values are stored (the documented format, not
// just that they read back), the declared types after a widening, and
// that a load leaves the connection's settings as they were.
func TestStorage(t *testing.T) {
	ctx := t.Context()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.DB().SetMaxOpenConns(1) // the load's connection is the one checked after

	tb := &schema.Table{Name: "t", Columns: []schema.Column{
		{Name: schema.ColID, Type: schema.Text}, {Name: "b", Type: schema.Boolean}, {Name: "n", Type: schema.Bigint},
		{Name: "ts", Type: schema.Timestamp}, {Name: "j", Type: schema.JSON},
	}}
	load := func(id string, tb *schema.Table, rows ...schema.Row) {
		t.Helper()
		tx, err := d.Begin(ctx, destinations.Load{ID: id, Pipeline: "p"})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := tx.EnsureTable(ctx, tb, nil); err != nil {
			t.Fatal(err)
		}
		if err := tx.Write(ctx, &destinations.Batch{Resource: "t", Disposition: destinations.Append,
			Tables: []destinations.TableRows{{Table: tb, Rows: rows}}}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx, destinations.LoadStatus{Status: "completed"}); err != nil {
			t.Fatal(err)
		}
	}
	load("l1", tb, schema.Row{schema.ColID: "a", "b": true, "n": int64(7),
		"ts": time.Date(2024, 1, 2, 3, 4, 5, 120000000, time.FixedZone("X", -3600)), "j": json.RawMessage(`{"k":[1]}`)})

	var got struct {
		B     any    `db:"b"`
		BType string `db:"bt"`
		TS    string `db:"ts"`
		J     string `db:"j"`
		JType string `db:"jt"`
	}
	if err := d.DB().Get(&got, `SELECT CAST(b AS INTEGER) AS b, typeof(b) AS bt, CAST(ts AS TEXT) AS ts, j, typeof(j) AS jt FROM t`); err != nil {
		t.Fatal(err)
	}
	if got.B != int64(1) || got.BType != "integer" {
		t.Errorf("boolean stored as %v (%s), want integer 1", got.B, got.BType)
	}
	if want := "2024-01-02T04:04:05.120000000Z"; got.TS != want {
		t.Errorf("timestamp stored as %q, want %q", got.TS, want)
	}
	if got.J != `{"k":[1]}` || got.JType != "text" {
		t.Errorf("json stored as %q (%s), want the text", got.J, got.JType)
	}

	wide := &schema.Table{Name: "t", Columns: append([]schema.Column(nil), tb.Columns...)}
	wide.Columns[2].Type = schema.Text
	load("l2", wide, schema.Row{schema.ColID: "b", "n": "seven"})
	var types []string
	if err := d.DB().Select(&types, "SELECT type FROM pragma_table_info('t') ORDER BY cid"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"TEXT", "BOOLEAN", "TEXT", "TIMESTAMP", "JSON"}; !reflect.DeepEqual(types, want) {
		t.Errorf("declared types after widening %v, want %v", types, want)
	}
	var n, nType string
	if err := d.DB().QueryRow("SELECT n, typeof(n) FROM t WHERE _pipe_id = 'a'").Scan(&n, &nType); err != nil {
		t.Fatal(err)
	}
	if n != "7" || nType != "text" {
		t.Errorf("widened value %q (%s), want text 7", n, nType)
	}

	var sync int
	var mode string
	if err := d.DB().QueryRow("PRAGMA synchronous").Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if err := d.DB().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if sync != 2 || mode != "wal" {
		t.Errorf("after loads: synchronous=%d journal_mode=%s, want 2 (FULL) and wal", sync, mode)
	}
}
