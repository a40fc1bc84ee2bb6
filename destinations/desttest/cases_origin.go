package desttest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// members is the root table of a child resource whose records carry
// their parent's id (include_from_parent) in _groups_id, keyed by the
// record's own id alone, as in a spec that lists each group's members
// keyed by user id: one table per disposition.
func members(disp destinations.Disposition) *schema.Table {
	return with(rootTable("members_"+string(disp), col("_groups_id", schema.Text), col("name", schema.Text)), col(schema.ColHash, schema.Text))
}

// mbatch is one page of group's members: a root row per id, with a
// fingerprint that covers the origin column, as the engine's does.
func mbatch(disp destinations.Disposition, l, group string, ids ...string) *destinations.Batch {
	var rows []schema.Row
	for _, id := range ids {
		rows = append(rows, row(id, l, "_groups_id", group, "name", "user "+id, schema.ColHash, id+"@"+group))
	}
	b := batch("members", disp, rowsOf(members(disp), rows...))
	b.Origin = []string{"_groups_id"}
	return b
}

// wantConflict fails the test unless err is an OriginConflict on id
// whose origin is now group.
func wantConflict(t *testing.T, err error, id, group string) {
	t.Helper()
	var oc *destinations.OriginConflict
	if !errors.As(err, &oc) {
		t.Fatalf("err = %v, want an OriginConflict on %s", err, id)
	}
	if oc.ID != id || fmt.Sprint(oc.Now) != "["+group+"]" || fmt.Sprint(oc.Columns) != "[_groups_id]" || fmt.Sprint(oc.Before) != "[g1]" {
		t.Errorf("conflict = %+v, want id %s, before [g1], now [%s] in [_groups_id]", oc, id, group)
	}
}

// mtx begins a transaction of load l that may write members of disp.
func mtx(t *testing.T, tg Target, disp destinations.Disposition, l string) destinations.Tx {
	t.Helper()
	tx := begin(t, tg.Dest, l)
	ensure(t, tx, members(disp))
	return tx
}

// groupsOf returns members' _groups_id by _pipe_id, as committed.
func groupsOf(t *testing.T, tg Target, disp destinations.Disposition) map[string]string {
	t.Helper()
	out := map[string]string{}
	for id, r := range read(t, tg.DB, members(disp)) {
		out[id] = fmt.Sprint(r["_groups_id"])
	}
	return out
}

// testOriginConflict writes, under each disposition, one load that gets
// member A from group g1, again from g1 after a checkpoint (one parent
// listed twice: fine), and then from g2: that write fails, and the
// committed rows stay as they were.
func testOriginConflict(t *testing.T, tg Target) {
	for _, disp := range []destinations.Disposition{destinations.Merge, destinations.Append, destinations.Replace} {
		t.Run(string(disp), func(t *testing.T) {
			tx := mtx(t, tg, disp, "l1")
			write(t, tx, mbatch(disp, "l1", "g1", "A", "B"))
			commit(t, tx, "running")
			tx = mtx(t, tg, disp, "l1")
			write(t, tx, mbatch(disp, "l1", "g1", "A"))
			write(t, tx, mbatch(disp, "l1", "g2", "C"))
			wantConflict(t, tx.Write(ctx(t), mbatch(disp, "l1", "g2", "D", "A")), "A", "g2")
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			if disp == destinations.Replace {
				return // the staging table is not in place before the load ends
			}
			if g := fmt.Sprint(groupsOf(t, tg, disp)); g != "map[A:g1 B:g1]" {
				t.Errorf("committed members = %s, want A and B of g1", g)
			}
		})
	}
}

// testOriginKept: a later load meets member A unchanged from g1 (a
// merge leaves it as stored, an append keeps the stored row), then from
// g2: a conflict, though A's row keeps the earlier load's id. A load
// that meets A from g2 alone (A moved) writes it.
func testOriginKept(t *testing.T, tg Target) {
	for _, disp := range []destinations.Disposition{destinations.Merge, destinations.Append} {
		t.Run(string(disp), func(t *testing.T) {
			tx := mtx(t, tg, disp, "l1")
			write(t, tx, mbatch(disp, "l1", "g1", "A", "B"))
			commit(t, tx, "completed")

			tx = mtx(t, tg, disp, "l2")
			write(t, tx, mbatch(disp, "l2", "g1", "A"))
			commit(t, tx, "running")
			tx = mtx(t, tg, disp, "l2")
			wantConflict(t, tx.Write(ctx(t), mbatch(disp, "l2", "g2", "A")), "A", "g2")
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}

			if disp == destinations.Append {
				return // append keeps a stored row: A stays g1's
			}
			tx = mtx(t, tg, disp, "l3")
			write(t, tx, mbatch(disp, "l3", "g2", "A"))
			commit(t, tx, "completed")
			if g := fmt.Sprint(groupsOf(t, tg, disp)); g != "map[A:g2 B:g1]" {
				t.Errorf("members = %s after A moved to g2, want A:g2 B:g1", g)
			}
		})
	}
}
