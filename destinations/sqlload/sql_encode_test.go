package sqlload

import (
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// TestEncodedRowsOnlyWhenTheyFit checks that Write takes rows encoded
// ahead (SQL.EncodeRows) only for the destination, columns, conflict and
// rows they were encoded for, and encodes them itself otherwise.
func TestEncodedRowsOnlyWhenTheyFit(t *testing.T) {
	tbl, rows := benchTable()
	s := &SQL{dialect: encodeDialect{}}
	enc, err := s.EncodeRows(tbl, rows, destinations.Merge)
	if err != nil {
		t.Fatal(err)
	}
	ahead := enc.(*encoded).rows
	wider := &schema.Table{Name: tbl.Name, Columns: append(append([]schema.Column{}, tbl.Columns...), schema.Column{Name: "new", Type: schema.Text})}
	retyped := &schema.Table{Name: tbl.Name, Columns: append([]schema.Column{}, tbl.Columns...)}
	retyped.Columns[5].Type = schema.Text
	for _, c := range []struct {
		name     string
		s        *SQL
		table    *schema.Table
		rows     []schema.Row
		conflict Conflict
		reused   bool
	}{
		{"same", s, tbl, rows, DoUpdate, true},
		{"other destination", &SQL{dialect: encodeDialect{}}, tbl, rows, DoUpdate, false},
		{"more columns", s, wider, rows, DoUpdate, false},
		{"other type", s, retyped, rows, DoUpdate, false},
		{"append", s, tbl, rows, DoNothing, false},
		{"fewer rows", s, tbl, rows[:10], DoUpdate, false},
	} {
		x := &sqlTx{s: c.s, d: c.s.dialect}
		got, err := x.encodedRows(&destinations.TableRows{Table: c.table, Rows: c.rows, Encoded: enc}, c.table, c.conflict)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if reused := &got[0] == &ahead[0]; reused != c.reused {
			t.Errorf("%s: rows encoded ahead used = %v, want %v", c.name, reused, c.reused)
		}
		if len(got) != len(c.rows) || len(got[0]) != len(c.table.Columns) {
			t.Errorf("%s: %d rows of %d values, want %d of %d", c.name, len(got), len(got[0]), len(c.rows), len(c.table.Columns))
		}
	}
}
