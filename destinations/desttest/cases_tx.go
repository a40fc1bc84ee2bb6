package desttest

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/state"
)

func checkState(t *testing.T, d destinations.Destination, pipe string, want ...state.Entry) {
	t.Helper()
	got, err := d.State(ctx(t), pipe)
	if err != nil {
		t.Fatalf("state: %v", err)
	}
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("state of %s = %v, want %v", pipe, got, want)
	}
}

// testState round-trips cursors, one row per resource and parent key.
func testState(t *testing.T, tg Target) {
	checkState(t, tg.Dest, pipeline) // before any load: none, no error
	tx := begin(t, tg.Dest, "l1")
	saveState(t, tx,
		entry("issues", "", "2024-01-01T00:00:00Z"),
		entry("projects", "org2", "c2"),
		entry("projects", "org1", "c1"))
	commit(t, tx, "completed")
	checkState(t, tg.Dest, pipeline,
		entry("issues", "", "2024-01-01T00:00:00Z"),
		entry("projects", "org1", "c1"),
		entry("projects", "org2", "c2"))

	tx = begin(t, tg.Dest, "l2")
	saveState(t, tx, entry("projects", "org1", "c3"), entry("projects", "org3", "c4"))
	commit(t, tx, "completed")
	want := []state.Entry{
		entry("issues", "", "2024-01-01T00:00:00Z"),
		entry("projects", "org1", "c3"),
		entry("projects", "org2", "c2"),
		entry("projects", "org3", "c4"),
	}
	checkState(t, tg.Dest, pipeline, want...)
	checkState(t, tg.Dest, "other")
	if n := count(t, tg.DB, destinations.StateTable); n != len(want) {
		t.Errorf("%d rows in %s, want %d", n, destinations.StateTable, len(want))
	}
}

// testClearState deletes every cursor of the named resources of one
// pipeline, and only those; cursors saved after it in the same
// transaction stay, and a rollback keeps the old ones.
func testClearState(t *testing.T, tg Target) {
	tx := begin(t, tg.Dest, "l1")
	saveState(t, tx, entry("issues", "", "c1"), entry("projects", "org1", "p1"), entry("projects", "org2", "p2"), entry("orgs", "", "o1"))
	if err := tx.SaveState(ctx(t), "other", []state.Entry{entry("projects", "org1", "x")}); err != nil {
		t.Fatal(err)
	}
	commit(t, tx, "completed")

	tx = begin(t, tg.Dest, "l2")
	if err := tx.ClearState(ctx(t), pipeline, []string{"projects", "issues"}); err != nil {
		t.Fatalf("clear state: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	checkState(t, tg.Dest, pipeline, entry("issues", "", "c1"), entry("orgs", "", "o1"), entry("projects", "org1", "p1"), entry("projects", "org2", "p2"))

	tx = begin(t, tg.Dest, "l3")
	if err := tx.ClearState(ctx(t), pipeline, []string{"projects", "issues"}); err != nil {
		t.Fatalf("clear state: %v", err)
	}
	saveState(t, tx, entry("projects", "org3", "p3"))
	commit(t, tx, "completed")
	checkState(t, tg.Dest, pipeline, entry("orgs", "", "o1"), entry("projects", "org3", "p3"))
	checkState(t, tg.Dest, "other", entry("projects", "org1", "x"))
}

// testRollbackLeavesNothing rolls back a first load and a later one:
// neither leaves rows, state, load records or schema versions.
func testRollbackLeavesNothing(t *testing.T, tg Target) {
	tx := begin(t, tg.Dest, "l0")
	ensure(t, tx, issues)
	write(t, tx, batch("issues", destinations.Merge, rowsOf(issues, row("x", "l0"))))
	saveState(t, tx, entry("issues", "", "c0"))
	if err := tx.Rollback(); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if tables, err := tg.Dest.Tables(ctx(t)); err != nil || len(tables) != 0 {
		t.Errorf("after rollback of the first load, Tables = %v, %v; want none", tables, err)
	}
	checkState(t, tg.Dest, pipeline)
	if tableExists(t, tg.DB, issues.Name) {
		t.Errorf("table %s exists after rollback", issues.Name)
	}

	tx = begin(t, tg.Dest, "l1")
	ensure(t, tx, issues)
	write(t, tx, batch("issues", destinations.Merge, rowsOf(issues, row("1", "l1", "title", "one"))))
	saveState(t, tx, entry("issues", "", "c1"))
	commit(t, tx, "completed")

	v2 := with(issues, col("extra", schema.Text))
	tx = begin(t, tg.Dest, "l2")
	ensure(t, tx, v2, problems)
	write(t, tx, batch("issues", destinations.Merge,
		rowsOf(v2, row("1", "l2", "title", "changed", "extra", "e"), row("2", "l2")),
		rowsOf(problems, childRow("1.0", "l2", "1", "1", 0))))
	write(t, tx, batch("issues", destinations.Replace, rowsOf(v2, row("3", "l2"))))
	saveState(t, tx, entry("issues", "", "c2"))
	if err := tx.Rollback(); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Errorf("second rollback: %v", err)
	}
	if err := tx.Commit(ctx(t), destinations.LoadStatus{Status: "completed"}); !errors.Is(err, destinations.ErrTxDone) {
		t.Errorf("commit after rollback: %v, want ErrTxDone", err)
	}

	tables, err := tg.Dest.Tables(ctx(t))
	if err != nil {
		t.Fatalf("tables: %v", err)
	}
	if len(tables) != 1 || !reflect.DeepEqual(tables[0], *issues) {
		t.Errorf("Tables = %+v, want only %+v", tables, *issues)
	}
	if n := countVersions(t, tg, issues.Name); n != 1 {
		t.Errorf("%d schema versions of issues, want 1", n)
	}
	checkState(t, tg.Dest, pipeline, entry("issues", "", "c1"))
	got := read(t, tg.DB, issues)
	if len(got) != 1 {
		t.Errorf("%d rows, want 1", len(got))
	}
	checkRow(t, tg, issues, got["1"], "1", "title", "one")
	for _, name := range []string{problems.Name, issues.Name + "__pipe_staging"} {
		if tableExists(t, tg.DB, name) {
			t.Errorf("table %s exists after rollback", name)
		}
	}
	if n := count(t, tg.DB, destinations.LoadsTable); n != 1 {
		t.Errorf("%d load records, want 1", n)
	}
}

// testCheckpointThenCrash commits a checkpoint, then loses the next
// transaction: the checkpoint's rows, state and load record remain, also
// for a new process.
func testCheckpointThenCrash(t *testing.T, tg Target) {
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, issues)
	write(t, tx, batch("issues", destinations.Merge, rowsOf(issues, row("1", "l1"))))
	saveState(t, tx, entry("issues", "", "c1"))
	if err := tx.Commit(ctx(t), destinations.LoadStatus{Status: "running", Rows: map[string]int64{"issues": 1}}); err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	tx = begin(t, tg.Dest, "l1")
	write(t, tx, batch("issues", destinations.Merge, rowsOf(issues, row("2", "l1"))))
	saveState(t, tx, entry("issues", "", "c2"))
	if err := tx.Rollback(); err != nil { // the crash
		t.Fatalf("rollback: %v", err)
	}
	tg.Dest.Close()

	d := tg.Reopen(t)
	defer d.Close()
	checkState(t, d, pipeline, entry("issues", "", "c1"))
	if g, w := ids(t, tg.DB, issues.Name), []string{"1"}; !equalStrings(g, w) {
		t.Errorf("ids = %v, want %v", g, w)
	}
	var status string
	if err := tg.DB.GetContext(ctx(t), &status, "SELECT status FROM "+quote(destinations.LoadsTable)); err != nil {
		t.Fatalf("load record: %v", err)
	}
	if status != "running" {
		t.Errorf("load status %q, want running", status)
	}
	if _, ok := tableSchema(t, d, issues.Name); !ok {
		t.Errorf("Tables after reopen does not list %s", issues.Name)
	}
}

// testLoadRecord checks the _pipe_loads row a load's commits leave.
func testLoadRecord(t *testing.T, tg Target) {
	tx := begin(t, tg.Dest, "l1")
	commit(t, tx, "running")
	tx = begin(t, tg.Dest, "l1")
	if err := tx.Commit(ctx(t), destinations.LoadStatus{
		Status: "completed", Finished: started.Add(90e9), Rows: map[string]int64{"issues": 3, "issues__problems": 7},
	}); err != nil {
		t.Fatalf("commit: %v", err)
	}
	var rec struct {
		LoadID   string `db:"load_id"`
		Pipeline string `db:"pipeline"`
		Status   string `db:"status"`
		Rows     string `db:"rows_json"`
		Finished any    `db:"finished_at"`
	}
	if err := tg.DB.GetContext(ctx(t), &rec, "SELECT load_id, pipeline, status, rows_json, finished_at FROM "+quote(destinations.LoadsTable)); err != nil {
		t.Fatalf("load record: %v", err)
	}
	if rec.LoadID != "l1" || rec.Pipeline != pipeline || rec.Status != "completed" {
		t.Errorf("load record = %+v", rec)
	}
	var rows map[string]int64
	if err := json.Unmarshal([]byte(rec.Rows), &rows); err != nil {
		t.Fatalf("rows_json %q: %v", rec.Rows, err)
	}
	if want := map[string]int64{"issues": 3, "issues__problems": 7}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows_json = %v, want %v", rows, want)
	}
	if got := norm(t, schema.Timestamp, rec.Finished); got != started.Add(90e9) {
		t.Errorf("finished_at = %v, want %v", got, started.Add(90e9))
	}
	lister, ok := tg.Dest.(destinations.LoadLister)
	if !ok {
		return
	}
	loads, err := lister.Loads(ctx(t), 10)
	if err != nil {
		t.Fatalf("loads: %v", err)
	}
	if len(loads) != 1 || loads[0].ID != "l1" || loads[0].Status != "completed" || loads[0].Rows["issues__problems"] != 7 ||
		!loads[0].Finished.Equal(started.Add(90e9)) || loads[0].Started.IsZero() {
		t.Errorf("Loads = %+v", loads)
	}
}

// testOneTxAtATime refuses a second open transaction.
func testOneTxAtATime(t *testing.T, tg Target) {
	tx := begin(t, tg.Dest, "l1")
	if _, err := tg.Dest.Begin(ctx(t), load("l2")); !errors.Is(err, destinations.ErrTxOpen) {
		t.Errorf("second Begin: %v, want ErrTxOpen", err)
	}
	commit(t, tx, "completed")
	if err := tx.Rollback(); err != nil {
		t.Errorf("rollback after commit: %v", err)
	}
	tx = begin(t, tg.Dest, "l2")
	commit(t, tx, "completed")
}

// testErrors classifies the errors of bad writes.
func testErrors(t *testing.T, tg Target) {
	for _, c := range []struct {
		name string
		do   func(tx destinations.Tx) error
		want error
	}{
		{"unknown table", func(tx destinations.Tx) error {
			return tx.Write(ctx(t), batch("issues", destinations.Append, rowsOf(issues, row("1", "l1"))))
		}, destinations.ErrUnknownTable},
		{"unknown column", func(tx destinations.Tx) error {
			ensure(t, tx, issues)
			return tx.Write(ctx(t), batch("issues", destinations.Append, rowsOf(issues, row("1", "l1", "nope", "x"))))
		}, destinations.ErrUnknownColumn},
		{"wrong type", func(tx destinations.Tx) error {
			ensure(t, tx, issues)
			return tx.Write(ctx(t), batch("issues", destinations.Append, rowsOf(issues, row("1", "l1", "title", map[string]int{}))))
		}, destinations.ErrTypeChange},
		{"missing id", func(tx destinations.Tx) error {
			ensure(t, tx, issues)
			return tx.Write(ctx(t), batch("issues", destinations.Merge, rowsOf(issues, schema.Row{"title": "x"})))
		}, destinations.ErrMissingID},
		{"table without id", func(tx destinations.Tx) error {
			return tx.EnsureTable(ctx(t), &schema.Table{Name: "bare", Columns: []schema.Column{col("x", schema.Text)}}, nil)
		}, destinations.ErrMissingID},
		{"unknown disposition", func(tx destinations.Tx) error {
			ensure(t, tx, issues)
			err := tx.Write(ctx(t), batch("issues", "upsert", rowsOf(issues, row("1", "l1"))))
			if err == nil {
				return errors.New("no error")
			}
			return nil
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx := begin(t, tg.Dest, "l1")
			defer tx.Rollback()
			if err := c.do(tx); !errors.Is(err, c.want) {
				t.Errorf("error %v, want %v", err, c.want)
			}
		})
	}
}
