package sqlload

import (
	"fmt"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/schema"
)

// encodeDialect is a Dialect that only encodes, as SQLite does.
type encodeDialect struct{ Dialect }

func (encodeDialect) Encode(_ schema.Type, v any) (any, error) {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.000000000Z"), nil
	}
	return v, nil
}

// benchTable is a table of 22 columns shaped like the bench's issues
// table, and a page of 100 rows with 18 of them set.
func benchTable() (*schema.Table, []schema.Row) {
	t := &schema.Table{Name: "issues"}
	for _, c := range []string{schema.ColID, schema.ColLoadID} {
		t.Columns = append(t.Columns, schema.Column{Name: c, Type: schema.Text})
	}
	for i := 0; i < 20; i++ {
		typ := schema.Text
		switch i % 5 {
		case 3:
			typ = schema.Timestamp
		case 4:
			typ = schema.Bigint
		}
		t.Columns = append(t.Columns, schema.Column{Name: fmt.Sprintf("attributes__field_%d", i), Type: typ})
	}
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	rows := make([]schema.Row, 100)
	for n := range rows {
		row := schema.Row{schema.ColID: fmt.Sprintf("%032x", n), schema.ColLoadID: "20261205T234854Z-fc9abe82"}
		for i, c := range t.Columns[2:20] {
			switch c.Type {
			case schema.Timestamp:
				row[c.Name] = ts
			case schema.Bigint:
				row[c.Name] = int64(i)
			default:
				row[c.Name] = "some text of a field"
			}
		}
		rows[n] = row
	}
	return t, rows
}

func BenchmarkEncodeRows(b *testing.B) {
	t, rows := benchTable()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encodeRows(encodeDialect{}, t, rows, Unkeyed); err != nil {
			b.Fatal(err)
		}
	}
}
