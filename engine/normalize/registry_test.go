package normalize

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/tidwall/gjson"
)

// Records whose keys differ only in case or snake-casing, the first two
// and the last two in either order.
var (
	nameFirst = []string{`{"id":1,"name":"a","fooBar":1,"tags":["x"]}`, `{"id":2,"NAME":"b","foo_bar":2,"TAGS":["y"]}`}
	nameLast  = []string{nameFirst[1], nameFirst[0]}
)

// mapping lists, sorted, the column of every key and the child table of
// every list that rows observed, by table: "t.NAME=name_3fa9c1b2".
func mapping(rows *Rows) []string {
	var out []string
	for _, tr := range rows.Tables() {
		for _, c := range tr.Observed.Columns {
			switch {
			case c.Name == schema.ColParentID:
				out = append(out, tr.Parent+"."+c.Key+"[]="+tr.Name)
			case c.Key != "":
				out = append(out, tr.Name+"."+c.Key+"="+c.Name)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// normalizeWith normalizes records with a fresh Normalizer on names.
func normalizeWith(t *testing.T, names *Names, records []string) *Rows {
	t.Helper()
	n := New(Config{Table: "t", PrimaryKey: []string{"id"}, MaxNesting: 10, Names: names})
	var rows Rows
	for _, rec := range records {
		if err := n.Normalize(gjson.Parse(rec), nil, &rows); err != nil {
			t.Fatal(err)
		}
	}
	return &rows
}

// recorded is the schema a destination records for rows: the observed
// tables, as Evolve would create them.
func recorded(t *testing.T, rows *Rows) []schema.Table {
	t.Helper()
	var out []schema.Table
	for _, tr := range rows.Tables() {
		next, _, err := schema.Evolver{}.Evolve(nil, tr.Observed)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *next)
	}
	return out
}

func TestNamesKeepTheRecordedColumns(t *testing.T) {
	first := normalizeWith(t, nil, nameFirst)
	want := mapping(first)
	for _, w := range []string{"t.name=name", "t.fooBar=foo_bar", "t.tags[]=t__tags"} {
		if !slices.Contains(want, w) {
			t.Fatalf("first run: %v lacks %s", want, w)
		}
	}
	// Without the recorded schema the other order names the other way:
	// the rule below is not a coincidence of hashing.
	if fresh := mapping(normalizeWith(t, nil, nameLast)); slices.Equal(fresh, want) {
		t.Fatalf("keys met in the other order with no recorded schema give the same names %v", fresh)
	}
	second := normalizeWith(t, NewNames(recorded(t, first)), nameLast)
	if got := mapping(second); !slices.Equal(got, want) {
		t.Errorf("second run, keys in the other order:\n got %v\nwant %v", got, want)
	}
	root := tableNamed(t, second, "t")
	for _, r := range root.Rows {
		if r["id"] == int64(1) && r["name"] != "a" {
			t.Errorf("row 1: name = %v, want a (row %v)", r["name"], r)
		}
	}
}

func TestNamesWithoutRecordedKeys(t *testing.T) {
	// A schema recorded before keys were: every column and child table
	// keeps its name for the key that would be given it.
	first := normalizeWith(t, nil, nameFirst)
	old := recorded(t, first)
	for i := range old {
		for j := range old[i].Columns {
			old[i].Columns[j].Key = ""
		}
	}
	got := mapping(normalizeWith(t, NewNames(old), nameFirst))
	if want := mapping(first); !slices.Equal(got, want) {
		t.Errorf("keys not recorded:\n got %v\nwant %v", got, want)
	}
}

func TestNamesSharedByConcurrentNormalizers(t *testing.T) {
	// Chains of one run meet the keys in different orders, at the same
	// time: one mapping, the one the first to name a key gave.
	for range 20 {
		names := NewNames(nil)
		var (
			wg   sync.WaitGroup
			maps [4][]string
		)
		for i := range maps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				recs := nameFirst
				if i%2 == 1 {
					recs = nameLast
				}
				n := New(Config{Table: "t", PrimaryKey: []string{"id"}, MaxNesting: 10, Names: names})
				var rows Rows
				for _, rec := range recs {
					if err := n.Normalize(gjson.Parse(rec), nil, &rows); err != nil {
						t.Error(err)
					}
				}
				maps[i] = mapping(&rows)
			}()
		}
		wg.Wait()
		for i := 1; i < len(maps); i++ {
			if !slices.Equal(maps[i], maps[0]) {
				t.Fatalf("normalizer %d:\n%s\nnormalizer 0:\n%s", i, strings.Join(maps[i], "\n"), strings.Join(maps[0], "\n"))
			}
		}
	}
}

func TestNamesNeverShareAColumn(t *testing.T) {
	// A recorded key owns its name: a new key whose plain name it is gets
	// another, and a renamed field's target is not handed out.
	existing := []schema.Table{{Name: "t", Columns: []schema.Column{
		{Name: "_pipe_id", Type: schema.Text},
		{Name: "name", Type: schema.Text, Nullable: true, Key: "NAME"},
	}}}
	n := New(Config{Table: "t", PrimaryKey: []string{"id"}, Names: NewNames(existing),
		Steps: []spec.ProcessingStep{{Rename: map[string]string{"title": "label"}}}})
	var rows Rows
	if err := n.Normalize(gjson.Parse(`{"id":1,"name":"a","label":"l","title":"x"}`), nil, &rows); err != nil {
		t.Fatal(err)
	}
	got := mapping(&rows)
	want := []string{
		"t.id=id",
		"t.label=" + schema.Disambiguate("label", "label"),
		"t.name=" + schema.Disambiguate("name", "name"),
		"t.title=label",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}
