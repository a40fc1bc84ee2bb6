package desttest

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
)

// loadRow is what _pipe_loads holds about one load, read with SQL.
type loadRow struct {
	Status string         `db:"status"`
	Error  sql.NullString `db:"error"`
}

func readLoad(t *testing.T, tg Target, id string) loadRow {
	t.Helper()
	var r loadRow
	q := "SELECT status, " + quote("error") + " FROM " + quote(destinations.LoadsTable) + " WHERE load_id = '" + id + "'"
	if err := tg.DB.GetContext(ctx(t), &r, q); err != nil {
		t.Fatalf("load %s: %v", id, err)
	}
	return r
}

// listLoads returns the loads of d by id, through LoadLister.
func listLoads(t *testing.T, d destinations.Destination) map[string]destinations.LoadRecord {
	t.Helper()
	lister, ok := d.(destinations.LoadLister)
	if !ok {
		t.Fatalf("%T does not list its loads", d)
	}
	loads, err := lister.Loads(ctx(t), 0)
	if err != nil {
		t.Fatalf("loads: %v", err)
	}
	out := map[string]destinations.LoadRecord{}
	for _, l := range loads {
		out[l.ID] = l
	}
	return out
}

// testLoadError records the error of a failed load, and none for the
// others.
func testLoadError(t *testing.T, tg Target) {
	const cause = `resource "issues": page 3: GET https://api.example.com/issues?token=***: 500 Internal Server Error`
	tx := begin(t, tg.Dest, "l1")
	commit(t, tx, destinations.StatusRunning)
	tx = begin(t, tg.Dest, "l1")
	if err := tx.Commit(ctx(t), destinations.LoadStatus{
		Status: destinations.StatusFailed, Finished: started.Add(60e9), Error: cause, Rows: map[string]int64{"issues": 2},
	}); err != nil {
		t.Fatalf("commit: %v", err)
	}
	tx = begin(t, tg.Dest, "l2")
	commit(t, tx, destinations.StatusCompleted)

	if r := readLoad(t, tg, "l1"); r.Status != destinations.StatusFailed || r.Error.String != cause {
		t.Errorf("failed load = %+v, want error %q", r, cause)
	}
	if r := readLoad(t, tg, "l2"); r.Error.Valid {
		t.Errorf("completed load has error %q, want NULL", r.Error.String)
	}
	loads := listLoads(t, tg.Dest)
	if l := loads["l1"]; l.Error != cause || l.Rows["issues"] != 2 {
		t.Errorf("Loads: l1 = %+v, want error %q and 2 issues", l, cause)
	}
	if l := loads["l2"]; l.Error != "" {
		t.Errorf("Loads: l2 error %q, want none", l.Error)
	}
}

// testLoadsMigration adds the error column to a _pipe_loads made by an
// older pipe, keeping its rows; Loads reads such a table before.
func testLoadsMigration(t *testing.T, tg Target) {
	tx := begin(t, tg.Dest, "l1")
	commit(t, tx, destinations.StatusCompleted)
	tg.Dest.Close()
	if _, err := tg.DB.ExecContext(ctx(t), "ALTER TABLE "+quote(destinations.LoadsTable)+" DROP COLUMN "+quote("error")); err != nil {
		t.Fatalf("make an old table: %v", err)
	}

	d := tg.Reopen(t)
	defer d.Close()
	if l := listLoads(t, d); len(l) != 1 || l["l1"].Status != destinations.StatusCompleted {
		t.Errorf("Loads of an old table = %+v", l)
	}
	tx = begin(t, d, "l2")
	if err := tx.Commit(ctx(t), destinations.LoadStatus{Status: destinations.StatusFailed, Finished: started, Error: "boom"}); err != nil {
		t.Fatalf("commit: %v", err)
	}
	if r := readLoad(t, tg, "l2"); r.Error.String != "boom" {
		t.Errorf("error after migration = %+v, want boom", r)
	}
	if r := readLoad(t, tg, "l1"); r.Status != destinations.StatusCompleted || r.Error.Valid {
		t.Errorf("old load after migration = %+v", r)
	}
}

// testInterrupted marks a load left running interrupted at the next
// load of the pipeline, once no process runs it any more; never a load
// whose process is alive, nor a finished load.
func testInterrupted(t *testing.T, tg Target) {
	// l0 finishes; l1 checkpoints and goes on in the first process.
	tx := begin(t, tg.Dest, "l0")
	commit(t, tx, destinations.StatusCompleted)
	tx = begin(t, tg.Dest, "l1")
	commit(t, tx, destinations.StatusRunning)

	// A second process loads while the first still runs l1.
	alive := tg.Reopen(t)
	defer alive.Close()
	tx = begin(t, alive, "l2")
	commit(t, tx, destinations.StatusRunning)
	if r := readLoad(t, tg, "l1"); r.Status != destinations.StatusRunning {
		t.Fatalf("load of a live process = %+v, want running", r)
	}

	// The first process ends without finishing l1; the second is alive.
	tg.Dest.Close()
	d := tg.Reopen(t)
	defer d.Close()
	tx = begin(t, d, "l3")
	commit(t, tx, destinations.StatusCompleted)
	if r := readLoad(t, tg, "l1"); r.Status != destinations.StatusRunning {
		t.Fatalf("load while another run holds the lock = %+v, want running", r)
	}

	// Both earlier processes have ended: the next load proves them dead.
	alive.Close()
	next := tg.Reopen(t)
	defer next.Close()
	tx = begin(t, next, "l4")
	commit(t, tx, destinations.StatusRunning)
	for _, id := range []string{"l1", "l2"} {
		r := readLoad(t, tg, id)
		if r.Status != destinations.StatusInterrupted || !strings.Contains(r.Error.String, "l4") {
			t.Errorf("load %s = %+v, want interrupted, found by l4", id, r)
		}
	}
	for _, id := range []string{"l0", "l3", "l4"} {
		if r := readLoad(t, tg, id); r.Status == destinations.StatusInterrupted {
			t.Errorf("load %s = %+v, marked interrupted", id, r)
		}
	}
	if l := listLoads(t, next)["l1"]; l.Status != destinations.StatusInterrupted || l.Error == "" {
		t.Errorf("Loads: l1 = %+v, want interrupted with its reason", l)
	}
}
