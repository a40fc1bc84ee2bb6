package normalize

import (
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/tidwall/gjson"
)

func observedString(tr TableRows) string {
	var parts []string
	for _, c := range tr.Observed.Columns {
		parts = append(parts, c.Name+":"+string(c.Type))
	}
	return strings.Join(parts, " ")
}

func TestTransform(t *testing.T) {
	c := Config{Table: "t", PrimaryKey: []string{"id"}}
	n := New(c)
	var rows Rows
	recs := []string{
		`{"id":1,"a":{"title":"x","secret":"s"},"tags":["a","b"],"l":[{"k":1}]}`,
		`{"id":2,"a":{"title":"y"},"tags":["c"]}`,
	}
	for _, rec := range recs {
		if err := n.Normalize(gjson.Parse(rec), nil, &rows); err != nil {
			t.Fatal(err)
		}
	}
	rows.Transform(func(table string, row schema.Row) bool {
		switch table {
		case "t":
			delete(row, "a__secret")
			if v, ok := row["a__title"]; ok {
				delete(row, "a__title")
				row["title"] = v
			}
			return true
		case "t__tags":
			return row["value"] != "b"
		case "t__l":
			return false
		}
		return true
	})
	tables := rows.Tables()
	if len(tables) != 2 || rows.Len() != 4 {
		t.Fatalf("tables %v, Len %d; want t and t__tags, 4 rows", tableNames(&rows), rows.Len())
	}
	if got, want := observedString(tables[0]), "_pipe_id:text id:bigint title:text"; got != want {
		t.Errorf("root observed %s, want %s", got, want)
	}
	if pk := tables[0].Observed.Columns[1]; !pk.PrimaryKey {
		t.Error("primary key flag lost")
	}
	var vals []string
	for _, r := range tables[1].Rows {
		vals = append(vals, r["value"].(string))
	}
	if strings.Join(vals, ",") != "a,c" {
		t.Errorf("tags kept %v, want a,c in order", vals)
	}
	// A later record re-observes a column Transform removed.
	if err := n.Normalize(gjson.Parse(`{"id":3,"a":{"secret":"t"}}`), nil, &rows); err != nil {
		t.Fatal(err)
	}
	if got := observedString(rows.Tables()[0]); !strings.HasSuffix(got, "a__secret:text") {
		t.Errorf("observed after new record: %s", got)
	}
	// Schema is a copy.
	s := rows.Tables()[0].Schema()
	s.Columns = append(s.Columns[:0], schema.Column{Name: "x"})
	if rows.Tables()[0].Observed.Columns[0].Name != schema.ColID {
		t.Error("Schema shares its columns with Observed")
	}
	// Every map is still in the buffer once: after Reset, new rows are distinct.
	rows.Reset()
	for i := 0; i < 4; i++ {
		if err := n.Normalize(gjson.Parse(`{"id":9,"tags":["x","y","z"]}`), nil, &rows); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	for _, tr := range rows.Tables() {
		for _, r := range tr.Rows {
			r["probe"] = i
			i++
		}
	}
	i = 0
	for _, tr := range rows.Tables() {
		for _, r := range tr.Rows {
			if r["probe"] != i {
				t.Fatalf("%s: row %d shares its map with row %v", tr.Name, i, r["probe"])
			}
			i++
		}
	}
	if i != 16 {
		t.Errorf("%d rows, want 16", i)
	}
}
