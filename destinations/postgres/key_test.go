package postgres

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// TestKeyAtLoadEnd checks that a table created by a load, whose key is
// deferred, ends the load with its primary key named after it, also
// when a repeated root made the load build a unique index midway.
func TestKeyAtLoadEnd(t *testing.T) {
	tg := openTarget(t)
	ctx := t.Context()
	tb := &schema.Table{Name: "things", Columns: []schema.Column{{Name: schema.ColID, Type: schema.Text}}}
	tx, err := tg.Dest.Begin(ctx, destinations.Load{ID: "l1", Pipeline: "p"})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.EnsureTable(ctx, tb, nil); err != nil {
		t.Fatal(err)
	}
	for _, ids := range [][]string{{"a", "b"}, {"b", "c"}} { // b again: a unique index midway
		var rows []schema.Row
		for _, id := range ids {
			rows = append(rows, schema.Row{schema.ColID: id})
		}
		if err := tx.Write(ctx, &destinations.Batch{Resource: "things", Disposition: destinations.Merge,
			Tables: []destinations.TableRows{{Table: tb, Rows: rows}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx, destinations.LoadStatus{Status: "completed"}); err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := tg.DB.Select(&names, "SELECT conname FROM pg_constraint WHERE conrelid = 'things'::regclass AND contype = 'p'"); err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != "things_pkey" {
		t.Errorf("primary key names %v, want [things_pkey]", names)
	}
	var n int
	dataset := tg.Dest.(*Destination).Dialect().(*Dialect).Dataset()
	if err := tg.DB.Get(&n, "SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND tablename = 'things'", dataset); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d indexes on things, want 1 (the primary key's)", n)
	}
}

// TestEscapedNUL: the escape \u0000 in JSON text, not an escaped
// backslash followed by u0000.
func TestEscapedNUL(t *testing.T) {
	for s, want := range map[string]bool{
		`{"a":"x\u0000y"}`:      true,
		`{"a":"x\\u0000y"}`:     false, // the text \u0000
		`{"a":"x\\\u0000"}`:     true,  // a backslash, then NUL
		`{"a":"\\u0000\u0000"}`: true,
		`{"a":"u0000"}`:         false,
	} {
		if got := escapedNUL(s); got != want {
			t.Errorf("escapedNUL(%s) = %v, want %v", s, got, want)
		}
	}
}

// TestPlainASCII: the one-pass check agrees with the two it stands for
// (no NUL, valid UTF-8 and ASCII) at every length and position.
func TestPlainASCII(t *testing.T) {
	for n := 0; n <= 20; n++ {
		base := strings.Repeat("a", n)
		if !plainASCII(base) {
			t.Fatalf("%q: not plain", base)
		}
		for i := 0; i < n; i++ {
			for _, c := range []byte{0, 0x7f, 0x80, 0xc3, 0xff, 0x01} {
				b := []byte(base)
				b[i] = c
				s := string(b)
				want := strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) && c < 0x80
				if got := plainASCII(s); got != want {
					t.Errorf("%q: plainASCII = %v, want %v", s, got, want)
				}
			}
		}
	}
}
