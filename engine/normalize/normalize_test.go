package normalize

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/tidwall/gjson"
)

// normalizeOne normalizes records with a fresh Normalizer for c.
func normalizeOne(t *testing.T, c Config, records ...string) *Rows {
	t.Helper()
	n := New(c)
	var rows Rows
	for _, rec := range records {
		if err := n.Normalize(gjson.Parse(rec), nil, &rows); err != nil {
			t.Fatal(err)
		}
	}
	return &rows
}

func tableNamed(t *testing.T, r *Rows, name string) TableRows {
	t.Helper()
	for _, tr := range r.Tables() {
		if tr.Name == name {
			return tr
		}
	}
	t.Fatalf("no table %q in %v", name, tableNames(r))
	return TableRows{}
}

func tableNames(r *Rows) []string {
	var names []string
	for _, tr := range r.Tables() {
		names = append(names, tr.Name)
	}
	return names
}

func TestValueTypes(t *testing.T) {
	tests := []struct {
		json string
		want string // formatValue of the value, "" for absent
	}{
		{`3`, "bigint 3"},
		{`-42`, "bigint -42"},
		{`3.0`, "double 3"},
		{`1e3`, "double 1000"},
		{`2.5E-1`, "double 0.25"},
		{`9223372036854775807`, "bigint 9223372036854775807"},
		{`9223372036854775808`, "decimal 9223372036854775808"},
		{`-12345678901234567890123`, "decimal -12345678901234567890123"},
		{`0.1`, "double 0.1"},
		{`0.1000000000000000055511151231257827`, "decimal 0.1000000000000000055511151231257827"},
		{`3.141592653589793`, "double 3.141592653589793"},
		{`3.1415926535897932384626`, "decimal 3.1415926535897932384626"},
		{`1.7976931348623157e308`, "double 1.7976931348623157e+308"},
		{`1e400`, "decimal 1e400"},
		{`-1E-400`, "decimal -1E-400"},
		{`5e-324`, "double 5e-324"},
		{`1e200000`, `"1e200000"`},
		{`100000000000000000000`, "decimal 100000000000000000000"},
		{`true`, "boolean true"},
		{`false`, "boolean false"},
		{`null`, ""},
		{`"plain"`, `"plain"`},
		{`"esc\"aped\u00e9"`, `"esc\"apedé"`},
		{`"2024-01-02"`, `"2024-01-02"`},
		{`"2024-01-02T03:04:05Z"`, "timestamp 2024-01-02T03:04:05Z UTC"},
		{`"2024-01-02T03:04:05.123456789Z"`, "timestamp 2024-01-02T03:04:05.123456789Z UTC"},
		{`"2024-01-02T03:04:05.1234567Z"`, "timestamp 2024-01-02T03:04:05.1234567Z UTC"}, // .NET's seven digits
		{`"2024-01-02T03:04:05.1234567891Z"`, `"2024-01-02T03:04:05.1234567891Z"`},       // finer than Go keeps: text, as written
		{`"2024-01-02T03:04:05+02:00"`, "timestamp 2024-01-02T01:04:05Z UTC"},
		{`"2024-01-02T03:04:05.5-01:30"`, "timestamp 2024-01-02T04:34:05.5Z UTC"},
		{`"2024-01-02t03:04:05z"`, "timestamp 2024-01-02T03:04:05Z UTC"},
		{`"2020-07-22T17:58:30.693057"`, "timestamp 2020-07-22T17:58:30.693057Z UTC"}, // Checkmarx, no zone: UTC
		{`"2020-07-22T17:58:30"`, "timestamp 2020-07-22T17:58:30Z UTC"},
		{`"2020-07-22T17:58"`, `"2020-07-22T17:58"`},
		{`"2020-13-22T17:58:30Z"`, `"2020-13-22T17:58:30Z"`},
		{`"2020-07-22 17:58:30"`, "timestamp 2020-07-22T17:58:30Z UTC"},
		{`"2024-01-02 03:04:05Z"`, "timestamp 2024-01-02T03:04:05Z UTC"},
		{`"2020-07-22T17:58:30+0200"`, "timestamp 2020-07-22T15:58:30Z UTC"},
		{`"2020-07-22T17:58:30.25+0000"`, "timestamp 2020-07-22T17:58:30.25Z UTC"},
		{`"2020-07-22T17:58:30+00"`, "timestamp 2020-07-22T17:58:30Z UTC"},
		{`"2020-07-22T17:58:30-05"`, "timestamp 2020-07-22T22:58:30Z UTC"},
		{`"2020-07-22T17:58:30+2"`, `"2020-07-22T17:58:30+2"`},
		{`"2020-07-22T17:58:30+02:0"`, `"2020-07-22T17:58:30+02:0"`},
		{`"2020-07-22T17:58:30+2500"`, `"2020-07-22T17:58:30+2500"`},
		{`"2020-07-22T17:58:30."`, `"2020-07-22T17:58:30."`},
		{`"2020-07-22T17:58:30Zjunk"`, `"2020-07-22T17:58:30Zjunk"`},
		{`{}`, ""},
		{`[]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			rows := normalizeOne(t, Config{MaxNesting: 10, Table: "t", IDFromContent: true}, `{"v":`+tt.json+`}`)
			v, ok := rows.Tables()[0].Rows[0]["v"]
			got := ""
			if ok {
				got = formatValue(v)
			}
			if got != tt.want {
				t.Errorf("v = %s, want %s", got, tt.want)
			}
			for _, c := range rows.Tables()[0].Observed.Columns {
				if c.Name == "v" && (!ok || c.Type != schema.Infer(v)) {
					t.Errorf("observed %s:%s for value %v", c.Name, c.Type, v)
				}
			}
		})
	}
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func rootIDs(t *testing.T, c Config, records ...string) []string {
	t.Helper()
	var ids []string
	for _, row := range normalizeOne(t, c, records...).Tables()[0].Rows {
		id := row[schema.ColID].(string)
		if !hexID.MatchString(id) {
			t.Errorf("_pipe_id %q is not 32 hex digits", id)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestIDs(t *testing.T) {
	pk := Config{MaxNesting: 10, Table: "t", PrimaryKey: []string{"id"}}
	// Stable across Normalizers (runs), independent of other fields.
	a := rootIDs(t, pk, `{"id":42,"x":1}`)[0]
	if b := rootIDs(t, pk, `{"x":2,"id":42}`)[0]; a != b {
		t.Errorf("same key, different ids: %s %s", a, b)
	}
	if b := rootIDs(t, pk, `{"id":"42"}`)[0]; a != b {
		t.Errorf("42 and \"42\" differ: %s %s", a, b)
	}
	if b := rootIDs(t, pk, `{"id":43}`)[0]; a == b {
		t.Error("different keys, same id")
	}
	if b := rootIDs(t, Config{MaxNesting: 10, Table: "u", PrimaryKey: []string{"id"}}, `{"id":42}`)[0]; a == b {
		t.Error("different tables, same id")
	}
	// Compound keys are unambiguous.
	ck := Config{MaxNesting: 10, Table: "t", PrimaryKey: []string{"a", "b"}}
	ids := rootIDs(t, ck, `{"a":"x","b":"yz"}`, `{"a":"xy","b":"z"}`)
	if ids[0] == ids[1] {
		t.Error("compound keys (x,yz) and (xy,z) collide")
	}
	// Nested key paths.
	ids = rootIDs(t, Config{MaxNesting: 10, Table: "t", PrimaryKey: []string{"attributes.key"}}, `{"attributes":{"key":"k"}}`, `{"attributes":{"key":"k"},"id":1}`)
	if ids[0] != ids[1] {
		t.Error("nested key: same key, different ids")
	}
	// Content ids: same raw record, same id.
	content := Config{MaxNesting: 10, Table: "t", IDFromContent: true}
	ids = rootIDs(t, content, `{"a":1}`, `{"a":1}`, `{"a":2}`)
	if ids[0] != ids[1] || ids[0] == ids[2] {
		t.Errorf("content ids: %v", ids)
	}
	// Random ids: unique.
	ids = rootIDs(t, Config{MaxNesting: 10, Table: "t"}, `{"a":1}`, `{"a":1}`)
	if ids[0] == ids[1] {
		t.Error("random ids repeat")
	}
}

func TestChildIDsStable(t *testing.T) {
	c := Config{MaxNesting: 10, Table: "t", PrimaryKey: []string{"id"}}
	rec := `{"id":1,"items":[{"n":1,"sub":[1,2]},{"n":2}]}`
	first := normalizeOne(t, c, rec)
	second := normalizeOne(t, c, rec)
	for _, name := range []string{"t__items", "t__items__sub"} {
		a, b := tableNamed(t, first, name), tableNamed(t, second, name)
		seen := map[string]bool{}
		for i := range a.Rows {
			id := a.Rows[i][schema.ColID].(string)
			if id != b.Rows[i][schema.ColID] {
				t.Errorf("%s row %d: ids differ across runs", name, i)
			}
			if seen[id] || !hexID.MatchString(id) {
				t.Errorf("%s row %d: id %q repeated or malformed", name, i, id)
			}
			seen[id] = true
		}
	}
	sub := tableNamed(t, first, "t__items__sub")
	items := tableNamed(t, first, "t__items")
	root := first.Tables()[0].Rows[0][schema.ColID]
	for _, row := range sub.Rows {
		if row[schema.ColParentID] != items.Rows[0][schema.ColID] || row[schema.ColRootID] != root {
			t.Errorf("sub row parent/root ids wrong: %v", row)
		}
	}
}

func TestMissingKey(t *testing.T) {
	n := New(Config{MaxNesting: 10, Table: "issues", PrimaryKey: []string{"id", "attributes.key"}})
	var rows Rows
	for _, rec := range []string{`{"id":1}`, `{"id":1,"attributes":{"key":null}}`} {
		err := n.Normalize(gjson.Parse(rec), nil, &rows)
		want := `table "issues": primary key "attributes.key": missing or null in record`
		if err == nil || err.Error() != want || !errors.Is(err, ErrMissingKey) {
			t.Errorf("err = %v, want %s", err, want)
		}
	}
	if rows.Len() != 0 || len(rows.Tables()) != 0 {
		t.Errorf("rows appended on error: %d", rows.Len())
	}
}

func TestCollisionsIndependentOfKeyOrder(t *testing.T) {
	cols := func(rec string) map[string]string { // column -> value
		m := map[string]string{}
		for k, v := range normalizeOne(t, Config{MaxNesting: 10, Table: "t", IDFromContent: true}, rec).Tables()[0].Rows[0] {
			if k != schema.ColID {
				m[k] = v.(string)
			}
		}
		return m
	}
	a := cols(`{"foo_bar":"snake","fooBar":"camel","FooBar":"pascal"}`)
	b := cols(`{"FooBar":"pascal","fooBar":"camel","foo_bar":"snake"}`)
	c := cols(`{"fooBar":"camel","foo_bar":"snake","FooBar":"pascal"}`)
	if len(a) != 3 || a["foo_bar"] != "pascal" {
		t.Errorf("FooBar (first byte-wise) should keep foo_bar: %v", a)
	}
	for _, m := range []map[string]string{b, c} {
		if len(m) != len(a) {
			t.Fatalf("%v vs %v", m, a)
		}
		for k, v := range a {
			if m[k] != v {
				t.Errorf("order changed names: %v vs %v", m, a)
			}
		}
	}
	// Of the keys with one snake_case name, the one that sorts first
	// byte-wise (FooBar) keeps it; the others are disambiguated by key.
	want := map[string]string{
		"foo_bar":                                 "pascal",
		schema.Disambiguate("foo_bar", "fooBar"):  "camel",
		schema.Disambiguate("foo_bar", "foo_bar"): "snake",
	}
	for name, v := range want {
		if a[name] != v {
			t.Errorf("column %q holds %q, want %q", name, a[name], v)
		}
	}
}

func TestShortening(t *testing.T) {
	long := strings.Repeat("segment", 6) // 42 bytes per level
	rec := `{"id":1,"` + long + `":{"` + long + `":1,"list":[{"` + long + `":{"` + long + `":true}}]}}`
	c := Config{MaxNesting: 10, Table: "resource_" + long, PrimaryKey: []string{"id"}, MaxIdentLen: 63}
	first := normalizeOne(t, c, rec)
	for _, tr := range first.Tables() {
		if len(tr.Name) > 63 {
			t.Errorf("table %q longer than 63", tr.Name)
		}
		for _, col := range tr.Observed.Columns {
			if len(col.Name) > 63 {
				t.Errorf("table %s: column %q longer than 63", tr.Name, col.Name)
			}
		}
	}
	if got := len(first.Tables()); got != 2 {
		t.Fatalf("tables %v", tableNames(first))
	}
	want := schema.Shorten(c.Table+"__"+long+"__list", 63)
	if got := first.Tables()[1].Name; got != want {
		t.Errorf("child table %q, want %q", got, want)
	}
	if dump(first) != dump(normalizeOne(t, c, rec)) {
		t.Error("shortened names not stable across Normalizers")
	}
}

func TestMaxNesting(t *testing.T) {
	rec := `{"id":1,"a":{"b":{"c":1}},"l":[{"m":[1]}]}`
	tests := []struct {
		max  int
		want string
	}{
		{0, "t: _pipe_id id a:json l:json"}, // taken as given: no child tables
		{-1, "t: _pipe_id id a:json l:json"},
		{1, "t: _pipe_id id a__b:json | t__l: m:json"},
		{2, "t: _pipe_id id a__b__c | t__l: | t__l__m: value"},
		{10, "t: _pipe_id id a__b__c | t__l: | t__l__m: value"},
	}
	for _, tt := range tests {
		rows := normalizeOne(t, Config{Table: "t", PrimaryKey: []string{"id"}, MaxNesting: tt.max}, rec)
		var parts []string
		for _, tr := range rows.Tables() {
			var cols []string
			for _, c := range tr.Observed.Columns {
				if tr.Parent != "" && strings.HasPrefix(c.Name, "_pipe_") {
					continue
				}
				s := c.Name
				if c.Type == schema.JSON {
					s += ":json"
				}
				cols = append(cols, s)
			}
			parts = append(parts, strings.TrimSpace(tr.Name+": "+strings.Join(cols, " ")))
		}
		if got := strings.Join(parts, " | "); got != tt.want {
			t.Errorf("MaxNesting %d:\n got %s\nwant %s", tt.max, got, tt.want)
		}
	}
}

func TestHintJSONKeepsList(t *testing.T) {
	rows := normalizeOne(t, Config{MaxNesting: 10, Table: "t", IDFromContent: true, Hints: map[string]schema.Type{"tags": schema.JSON, "when": schema.Text}},
		`{"tags":[{"k":"v"}, 1],"when":"2024-01-02T03:04:05Z"}`)
	if names := tableNames(rows); len(names) != 1 {
		t.Errorf("hinted json list made tables %v", names)
	}
	row := rows.Tables()[0].Rows[0]
	if got := string(row["tags"].(json.RawMessage)); got != `[{"k":"v"},1]` {
		t.Errorf("tags = %s", got)
	}
	if row["when"] != "2024-01-02T03:04:05Z" {
		t.Errorf("when = %#v", row["when"])
	}
}

func TestExtras(t *testing.T) {
	n := New(Config{MaxNesting: 10, Table: "t", PrimaryKey: []string{"id"}})
	var rows Rows
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	extra := []Field{
		{Name: "_orgs_id", Value: "org-1"},
		{Name: "_n", Value: 7},
		{Name: "_parent", Value: gjson.Parse(`{"a": 1}`)},
		{Name: "_num", Value: gjson.Parse(`12`)},
		{Name: "_at", Value: at},
		{Name: "_none", Value: nil},
		{Name: schema.ColID, Value: "spoof"},
	}
	if err := n.Normalize(gjson.Parse(`{"id":1}`), extra, &rows); err != nil {
		t.Fatal(err)
	}
	row := rows.Tables()[0].Rows[0]
	want := map[string]string{"_orgs_id": `"org-1"`, "_n": "bigint 7", "_parent": `json {"a":1}`, "_num": "bigint 12",
		"_at": "timestamp 2024-01-02T02:04:05Z UTC"}
	for k, w := range want {
		if got := formatValue(row[k]); got != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	if _, ok := row["_none"]; ok {
		t.Error("nil extra set")
	}
	if len(row[schema.ColID].(string)) != 32 || len(row) != 8 {
		t.Errorf("bookkeeping name overwritten or extra lost: %v", row)
	}
	err := n.Normalize(gjson.Parse(`{"id":2}`), []Field{{Name: "bad", Value: []int{1}}}, &rows)
	if want := `table "t": extra field "bad": unsupported value of Go type []int`; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	if rows.Len() != 1 {
		t.Errorf("rows appended on error: %d", rows.Len())
	}
}

func TestLoadIDAndNonObjectRecords(t *testing.T) {
	rows := normalizeOne(t, Config{MaxNesting: 10, Table: "t", IDFromContent: true, LoadID: "load-1"}, `"scalar"`, `[1,2]`, `{"l":[true]}`)
	for _, tr := range rows.Tables() {
		var has bool
		for _, c := range tr.Observed.Columns {
			has = has || c.Name == schema.ColLoadID
		}
		if !has {
			t.Errorf("%s: no %s column", tr.Name, schema.ColLoadID)
		}
		for _, row := range tr.Rows {
			if row[schema.ColLoadID] != "load-1" {
				t.Errorf("%s: row without load id: %v", tr.Name, row)
			}
		}
	}
	root := rows.Tables()[0].Rows
	if root[0]["value"] != "scalar" || len(tableNamed(t, rows, "t__value").Rows) != 2 || len(tableNamed(t, rows, "t__l").Rows) != 1 {
		t.Errorf("tables %v, root rows %v", tableNames(rows), root)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		c    Config
		want string
	}{
		{Config{Table: "t", Hints: map[string]schema.Type{"a": "integer"}}, `normalize: table "t": hint for column "a": unknown type "integer"`},
		{Config{}, "normalize: no table name"},
	}
	for _, tt := range tests {
		var rows Rows
		err := New(tt.c).Normalize(gjson.Parse(`{}`), nil, &rows)
		if err == nil || err.Error() != tt.want {
			t.Errorf("err = %v, want %s", err, tt.want)
		}
	}
}

func TestRowsReset(t *testing.T) {
	n := New(Config{MaxNesting: 10, Table: "t", PrimaryKey: []string{"id"}})
	var rows Rows
	for _, rec := range []string{`{"id":1,"a":1,"l":[1,2]}`, `{"id":2,"a":2}`} {
		if err := n.Normalize(gjson.Parse(rec), nil, &rows); err != nil {
			t.Fatal(err)
		}
	}
	if rows.Len() != 4 {
		t.Fatalf("Len = %d", rows.Len())
	}
	page1 := dump(&rows)
	rows.Reset()
	if rows.Len() != 0 || len(rows.Tables()) != 0 {
		t.Fatalf("after Reset: %d rows, tables %v", rows.Len(), tableNames(&rows))
	}
	for _, rec := range []string{`{"id":3,"b":"x"}`, `{"id":4,"l":[5]}`, `{"id":5,"l":[6]}`} {
		if err := n.Normalize(gjson.Parse(rec), nil, &rows); err != nil {
			t.Fatal(err)
		}
	}
	got := dump(&rows)
	fresh := normalizeOne(t, Config{MaxNesting: 10, Table: "t", PrimaryKey: []string{"id"}}, `{"id":3,"b":"x"}`, `{"id":4,"l":[5]}`, `{"id":5,"l":[6]}`)
	if got != dump(fresh) {
		t.Errorf("reused Rows differ from fresh ones:\n%s\nfresh:\n%s\npage 1 was:\n%s", got, dump(fresh), page1)
	}
	// Reused maps stay distinct rows.
	root := rows.Tables()[0].Rows
	root[0]["probe"] = true
	if _, shared := root[1]["probe"]; shared {
		t.Error("rows share a map after Reset")
	}
}

func TestDuplicateKeys(t *testing.T) {
	rows := normalizeOne(t, Config{MaxNesting: 10, Table: "t", IDFromContent: true}, `{"a":1,"b":{"c":1},"a":2,"b":{"c":3}}`)
	tr := rows.Tables()[0]
	if got := formatValue(tr.Rows[0]["a"]); got != "bigint 2" || tr.Rows[0]["b__c"] != int64(3) {
		t.Errorf("last duplicate should win: %v", tr.Rows[0])
	}
	if n := len(tr.Observed.Columns); n != 3 {
		t.Errorf("observed %d columns, want _pipe_id a b__c", n)
	}
}

// TestDuplicatePrimaryKey: a primary key field met twice in one object
// (or an object on its path met twice) is an error and appends nothing;
// other duplicates are read as JSON parsers read them, the last winning.
func TestDuplicatePrimaryKey(t *testing.T) {
	for _, c := range []struct {
		pk     string
		record string
		err    string // "" for no error
	}{
		{"id", `{"id":1,"name":"a","id":2}`, `table "t": primary key field "id": key appears twice in one object, so the record's key is ambiguous`},
		{"a.id", `{"a":{"id":1},"a":{"id":2}}`, `table "t": primary key field "a": key appears twice in one object, so the record's key is ambiguous`},
		{"a.id", `{"a":{"id":1,"id":1}}`, `table "t": primary key field "a.id": key appears twice in one object, so the record's key is ambiguous`},
		{`a\.b`, `{"a.b":1,"a.b":2}`, `table "t": primary key field "a\\.b": key appears twice in one object, so the record's key is ambiguous`},
		{"id", `{"id":1,"n":1,"n":2}`, ""},
		{"id", `{"id":1,"x":{"id":5},"y":{"id":6},"items":[{"id":1,"id":2}]}`, ""},
		{"a.id", `{"b":{"a":1,"a":2},"a":{"id":3}}`, ""},
	} {
		n := New(Config{MaxNesting: 10, Table: "t", PrimaryKey: []string{c.pk}})
		var rows Rows
		err := n.Normalize(gjson.Parse(c.record), nil, &rows)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.record, err)
		case c.err != "" && (err == nil || err.Error() != c.err || !errors.Is(err, ErrDuplicateKey)):
			t.Errorf("%s: err = %v\nwant %s", c.record, err, c.err)
		case c.err != "" && len(rows.Tables()) > 0 && len(rows.Tables()[0].Rows) > 0:
			t.Errorf("%s: rows appended despite the error", c.record)
		}
		if err := n.Normalize(gjson.Parse(`{"id":7,"a":{"id":7},"a.b":7}`), nil, &rows); err != nil {
			t.Errorf("%s: the next record: %v", c.record, err)
		}
	}
}

func TestPrimaryKeyFromExtras(t *testing.T) {
	n := New(Config{MaxNesting: 10, Table: "dep_graph", PrimaryKey: []string{"_projects_id"}})
	id := func(project string) string {
		var rows Rows
		if err := n.Normalize(gjson.Parse(`{"depGraph":{"pkgs":[]}}`), []Field{{Name: "_projects_id", Value: project}}, &rows); err != nil {
			t.Fatal(err)
		}
		return rows.Tables()[0].Rows[0][schema.ColID].(string)
	}
	if a, b, c := id("p1"), id("p1"), id("p2"); a != b || a == c {
		t.Errorf("ids keyed by an extra column: p1=%s p1=%s p2=%s; want stable and distinct", a, b, c)
	}
	var rows Rows
	err := n.Normalize(gjson.Parse(`{}`), nil, &rows)
	if !errors.Is(err, ErrMissingKey) {
		t.Errorf("no record field and no extra: err = %v, want ErrMissingKey", err)
	}
}

// TestSecretInKey: a key holding a credential names its column, child
// table and recorded Key with the credential as "***", its value kept;
// a key holding a secret of fewer than 6 bytes (a"b) keeps its name.
func TestSecretInKey(t *testing.T) {
	rows := normalizeOne(t, Config{MaxNesting: 10, Table: "t", PrimaryKey: []string{"id"}, Secrets: walkSecrets{}},
		`{"id":1,"xSEKRETy":{"z":1},"SEKRET":[1,2],"plain":"v","ka\"b":2}`)
	var got []string
	for _, tr := range rows.Tables() {
		got = append(got, "table "+tr.Name)
		for _, c := range tr.Observed.Columns {
			got = append(got, c.Name+" "+c.Key)
		}
		for _, r := range tr.Rows {
			for k, v := range r {
				if k != schema.ColID && k != schema.ColParentID && k != schema.ColRootID {
					got = append(got, fmt.Sprintf("%s=%v", k, v))
				}
			}
		}
	}
	text := strings.Join(got, "\n")
	if !strings.Contains(text, "ka_b ka\"b") {
		t.Errorf("the key with a short secret was renamed:\n%s", text)
	}
	if strings.Contains(text, "SEKRET") {
		t.Errorf("a credential in names:\n%s", text)
	}
	for _, want := range []string{`x_y__z x\*\*\*y.z`, "x_y__z=1", "plain=v", "table t___"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
}
