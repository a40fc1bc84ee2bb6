package normalize

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/spec"
)

func observedString(tr TableRows) string {
	var parts []string
	for _, c := range tr.Observed.Columns {
		parts = append(parts, c.Name+":"+string(c.Type))
	}
	return strings.Join(parts, " ")
}

// TestShaping: exclude_columns, rename and extras are applied as names
// are given, in the one walk, and observed columns hold only what the
// rows hold.
func TestShaping(t *testing.T) {
	n := New(Config{Table: "t", PrimaryKey: []string{"id"}, MaxNesting: 10,
		Parent: "orgs", IncludeFromParent: []string{"id", "missing"}, ListVar: "region",
		Steps: []spec.ProcessingStep{
			{AddField: &spec.AddField{Name: "source", Value: "scanner"}},
			{Filter: "a.title"}, // extract's: no effect here
			{ExcludeColumns: []string{"a.secret", "l"}},
			{AddField: &spec.AddField{Name: "orgName", FromParent: "attributes.name"}},
			{Rename: map[string]string{"a.title": "heading", "_orgs_id": "org"}},
			{ExcludeColumns: []string{"_region", "meta__tags"}},
			{AddField: &spec.AddField{Name: "gone", FromParent: "nope"}},
			{Rename: map[string]string{"a.title": "title"}}, // a later rename of a column wins
		},
	})
	parent := gjson.Parse(`{"id":"o1","attributes":{"name":"Acme"}}`)
	extra := n.Extras(func(p string) (gjson.Result, bool) { r := parent.Get(p); return r, r.Exists() }, "eu")
	var names []string
	for _, f := range extra {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, " "); got != "_region _orgs_id source org_name" {
		t.Errorf("extras %s", got)
	}
	var rows Rows
	for _, rec := range []string{
		`{"id":1,"a":{"title":"x","secret":"s"},"tags":["a","b"],"l":[{"k":1}],"meta":{"tags":[1],"x":true}}`,
		`{"id":2,"a":{"title":"y"},"tags":["c"]}`,
	} {
		if err := n.Normalize(gjson.Parse(rec), extra, &rows); err != nil {
			t.Fatal(err)
		}
	}
	tables := rows.Tables()
	if names := tableNames(&rows); strings.Join(names, " ") != "t t__tags" || rows.Len() != 5 {
		t.Fatalf("tables %v, Len %d; want t and t__tags, 5 rows", names, rows.Len())
	}
	if got, want := observedString(tables[0]), "_pipe_id:text id:bigint title:text meta__x:boolean org:text source:text org_name:text"; got != want {
		t.Errorf("root observed\n got %s\nwant %s", got, want)
	}
	row := tables[0].Rows[0]
	if row["title"] != "x" || row["org"] != "o1" || row["org_name"] != "Acme" || row["source"] != "scanner" {
		t.Errorf("row %v", row)
	}
	for _, col := range []string{"a__secret", "a__title", "_region", "_orgs_id", "gone"} {
		if _, ok := row[col]; ok {
			t.Errorf("row has %s: %v", col, row)
		}
	}
}

// TestRequired: a root row without a required column is an error naming
// the record, and the record leaves no rows behind.
func TestRequired(t *testing.T) {
	n := New(Config{Table: "t", PrimaryKey: []string{"id"}, MaxNesting: 10, Required: []string{"a__plan"}})
	var rows Rows
	if err := n.Normalize(gjson.Parse(`{"id":1,"a":{"plan":"x"},"l":[1,2]}`), nil, &rows); err != nil {
		t.Fatal(err)
	}
	err := n.Normalize(gjson.Parse(`{"id":2,"a":{"plan":null},"l":[3]}`), nil, &rows)
	want := `table "t": column "a__plan" is null or missing, but columns.a__plan.nullable is false (record id=2)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	if rows.Len() != 3 {
		t.Errorf("rows after the failed record = %d, want the first record's 3", rows.Len())
	}
}
