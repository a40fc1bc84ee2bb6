package desttest

import (
	"errors"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// identifierLimiter is implemented by destinations that limit name length.
type identifierLimiter interface {
	MaxIdentifierLength() int
}

// testLongNames loads tables and columns whose names have the longest
// length the destination accepts, through every disposition and a
// widening (the staging, index and rebuild names derived from them are
// shortened), and refuses names one byte longer.
func testLongNames(t *testing.T, tg Target) {
	lim, ok := tg.Dest.(identifierLimiter)
	if !ok {
		t.Skip("destination does not report MaxIdentifierLength")
	}
	n := lim.MaxIdentifierLength()
	root := strings.Repeat("r", n)
	kid := strings.Repeat("k", n)
	long := strings.Repeat("c", n)
	rt := rootTable(root, col(long, schema.Bigint))
	kt := childTable(kid, root, col(long, schema.Text))

	for i, disp := range []destinations.Disposition{destinations.Replace, destinations.Replace, destinations.Merge, destinations.Append} {
		id := string(rune('a' + i))
		tx := begin(t, tg.Dest, "l"+id)
		ensure(t, tx, rt, kt)
		b := batch("long", disp, rowsOf(rt, row(id, "l"+id, long, int64(i))), rowsOf(kt, childRow(id+".0", "l"+id, id, id, 0, long, id)))
		b.ChildTables = []string{kid}
		write(t, tx, b)
		if disp == destinations.Replace {
			if err := tx.FinishReplace(ctx(t), []string{root, kid}); err != nil {
				t.Fatalf("load %d: finish replace: %v", i, err)
			}
		}
		commit(t, tx, "completed")
	}
	wide := retyped(rt, long, schema.Text)
	tx := begin(t, tg.Dest, "lw")
	ensure(t, tx, wide)
	commit(t, tx, "completed")
	if g, w := ids(t, tg.DB, root), []string{"b", "c", "d"}; !equalStrings(g, w) {
		t.Errorf("ids = %v, want %v", g, w)
	}
	got := read(t, tg.DB, wide)
	checkRow(t, tg, wide, got["c"], "c", long, "2")
	if g, w := ids(t, tg.DB, kid), []string{"b.0", "c.0", "d.0"}; !equalStrings(g, w) {
		t.Errorf("child ids = %v, want %v", g, w)
	}

	tx = begin(t, tg.Dest, "lx")
	if err := tx.EnsureTable(ctx(t), rootTable(root+"x"), nil); !errors.Is(err, destinations.ErrIdentifierTooLong) {
		t.Errorf("table name of %d bytes: %v, want ErrIdentifierTooLong", n+1, err)
	}
	if err := tx.EnsureTable(ctx(t), rootTable("short", col(long+"x", schema.Text)), nil); !errors.Is(err, destinations.ErrIdentifierTooLong) {
		t.Errorf("column name of %d bytes: %v, want ErrIdentifierTooLong", n+1, err)
	}
}
