package schema

import (
	"fmt"
	"strings"
	"testing"
)

// tbl builds a table from "name:type" specs; a trailing "!" marks a
// primary key column.
func tbl(name string, cols ...string) *Table {
	t := &Table{Name: name}
	for _, c := range cols {
		n, ty, _ := strings.Cut(c, ":")
		pk := strings.HasSuffix(ty, "!")
		ty = strings.TrimSuffix(ty, "!")
		t.Columns = append(t.Columns, Column{Name: n, Type: Type(ty), Nullable: !pk, PrimaryKey: pk})
	}
	return t
}

func colsString(t *Table) string {
	if t == nil {
		return "<nil>"
	}
	var parts []string
	for _, c := range t.Columns {
		parts = append(parts, c.Name+":"+string(c.Type))
	}
	return strings.Join(parts, " ")
}

func changesString(cs []Change) string {
	var parts []string
	for _, c := range cs {
		s := string(c.Kind)
		switch c.Kind {
		case CreateTable:
		case WidenColumn:
			s += fmt.Sprintf(" %s %s->%s", c.Column.Name, c.From, c.Column.Type)
		case AddVariant:
			s += fmt.Sprintf(" %s:%s of %s", c.Column.Name, c.Column.Type, c.Of)
		default:
			s += fmt.Sprintf(" %s:%s", c.Column.Name, c.Column.Type)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func noWiden(from, to Type) bool { return false }

func TestEvolve(t *testing.T) {
	tests := []struct {
		name        string
		existing    *Table
		observed    *Table
		c           Contract
		canWiden    func(from, to Type) bool
		wantCols    string
		wantChanges string
	}{
		{
			name:        "create",
			observed:    tbl("issues", "_pipe_id:text", "id:bigint", "title:text"),
			wantCols:    "_pipe_id:text id:bigint title:text",
			wantChanges: "create_table",
		},
		{
			name:        "create widens within the batch",
			observed:    tbl("t", "a:bigint", "a:double", "b:double", "b:text"),
			wantCols:    "a:double b:text",
			wantChanges: "create_table",
		},
		{
			name:        "create with variant",
			observed:    tbl("t", "a:boolean", "a:text"),
			wantCols:    "a:boolean a__v_text:text",
			wantChanges: "create_table",
		},
		{
			name:        "nothing new",
			existing:    tbl("t", "a:bigint", "b:text"),
			observed:    tbl("t", "b:text", "a:bigint"),
			wantCols:    "a:bigint b:text",
			wantChanges: "",
		},
		{
			name:        "add column keeps order",
			existing:    tbl("t", "b:text", "a:bigint"),
			observed:    tbl("t", "c:boolean", "a:bigint", "d:timestamp"),
			wantCols:    "b:text a:bigint c:boolean d:timestamp",
			wantChanges: "add_column c:boolean; add_column d:timestamp",
		},
		{
			name:        "new column widens before it exists",
			existing:    tbl("t", "a:text"),
			observed:    tbl("t", "n:bigint", "n:double"),
			wantCols:    "a:text n:double",
			wantChanges: "add_column n:double",
		},
		{
			name:        "narrower value fits",
			existing:    tbl("t", "a:double", "b:text"),
			observed:    tbl("t", "a:bigint", "b:double", "b:bigint"),
			wantCols:    "a:double b:text",
			wantChanges: "",
		},
		{
			name:        "widen",
			existing:    tbl("t", "a:bigint"),
			observed:    tbl("t", "a:double"),
			wantCols:    "a:double",
			wantChanges: "widen_column a bigint->double",
		},
		{
			name:        "widen twice is one change",
			existing:    tbl("t", "a:bigint"),
			observed:    tbl("t", "a:double", "a:text"),
			wantCols:    "a:text",
			wantChanges: "widen_column a bigint->text",
		},
		{
			name:        "destination cannot widen: variant",
			existing:    tbl("t", "a:bigint"),
			observed:    tbl("t", "a:double"),
			canWiden:    noWiden,
			wantCols:    "a:bigint a__v_double:double",
			wantChanges: "add_variant a__v_double:double of a",
		},
		{
			name:        "variant",
			existing:    tbl("issues", "cvss_score:double"),
			observed:    tbl("issues", "cvss_score:boolean", "cvss_score:timestamp"),
			wantCols:    "cvss_score:double cvss_score__v_boolean:boolean cvss_score__v_timestamp:timestamp",
			wantChanges: "add_variant cvss_score__v_boolean:boolean of cvss_score; add_variant cvss_score__v_timestamp:timestamp of cvss_score",
		},
		{
			name:        "existing variant takes the value",
			existing:    tbl("t", "a:boolean", "a__v_text:text"),
			observed:    tbl("t", "a:text"),
			wantCols:    "a:boolean a__v_text:text",
			wantChanges: "",
		},
		{
			name:        "wider variant takes a lattice value",
			existing:    tbl("t", "a:boolean", "a__v_double:double"),
			observed:    tbl("t", "a:bigint"),
			wantCols:    "a:boolean a__v_double:double",
			wantChanges: "",
		},
		{
			name:        "tables discard_row refuses create",
			observed:    tbl("t", "a:bigint"),
			c:           Contract{Tables: ModeDiscardRow},
			wantCols:    "<nil>",
			wantChanges: "",
		},
		{
			name:        "tables freeze allows existing",
			existing:    tbl("t", "a:bigint"),
			observed:    tbl("t", "a:bigint", "b:text"),
			c:           Contract{Tables: ModeFreeze},
			wantCols:    "a:bigint b:text",
			wantChanges: "add_column b:text",
		},
		{
			name:        "columns freeze",
			existing:    tbl("t", "a:bigint"),
			observed:    tbl("t", "b:text", "a:double"),
			c:           Contract{Columns: ModeFreeze},
			wantCols:    "a:double",
			wantChanges: "widen_column a bigint->double",
		},
		{
			name:        "columns freeze still creates tables with all columns",
			observed:    tbl("t", "a:bigint", "b:text"),
			c:           Contract{Columns: ModeFreeze},
			wantCols:    "a:bigint b:text",
			wantChanges: "create_table",
		},
		{
			name:        "data_type discard_value",
			existing:    tbl("t", "a:bigint"),
			observed:    tbl("t", "a:double", "a:boolean", "b:text"),
			c:           Contract{DataType: ModeDiscardValue},
			wantCols:    "a:bigint b:text",
			wantChanges: "add_column b:text",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before string
			if tt.existing != nil {
				before = colsString(tt.existing)
			}
			next, changes, err := Evolver{Contract: tt.c, CanWiden: tt.canWiden}.Evolve(tt.existing, tt.observed)
			if err != nil {
				t.Fatal(err)
			}
			if got := colsString(next); got != tt.wantCols {
				t.Errorf("columns\n got %s\nwant %s", got, tt.wantCols)
			}
			if got := changesString(changes); got != tt.wantChanges {
				t.Errorf("changes\n got %s\nwant %s", got, tt.wantChanges)
			}
			for _, c := range changes {
				if c.Table != tt.observed.Name {
					t.Errorf("change %v names table %q", c.Kind, c.Table)
				}
			}
			if tt.existing != nil && colsString(tt.existing) != before {
				t.Errorf("existing modified: %s", colsString(tt.existing))
			}
		})
	}
}

func TestEvolveErrors(t *testing.T) {
	tests := []struct {
		name               string
		existing, observed *Table
		c                  Contract
		want               string
	}{
		{"bad mode", nil, tbl("t"), Contract{Columns: "frozen"},
			`schema contract: columns: unknown schema contract mode "frozen" (want one of evolve, freeze, discard_row, discard_value)`},
		{"nil observed", nil, nil, Contract{}, "evolve: no observed table"},
		{"other table", tbl("a"), tbl("b"), Contract{}, `evolve: table "a": observed table is "b"`},
		{"bad type", nil, tbl("t", "a:integer"), Contract{}, `evolve: table "t": column "a": unknown type "integer"`},
		{"tables freeze", nil, tbl("t", "a:bigint"), Contract{Tables: ModeFreeze}, `table "t": new table violates tables contract "freeze"`},
		{"variant name taken", tbl("t", "a:boolean", "a__v_text:bigint"), tbl("t", "a:text"), Contract{},
			`evolve: table "t": column "a": variant column "a__v_text" exists with type bigint`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Evolver{Contract: tt.c}.Evolve(tt.existing, tt.observed)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestEvolveVariantShortened(t *testing.T) {
	long := strings.Repeat("a", 60)
	e := Evolver{MaxIdentLen: 63}
	next, changes, err := e.Evolve(tbl("t", long+":boolean"), tbl("t", long+":text"))
	if err != nil {
		t.Fatal(err)
	}
	want := Shorten(long+"__v_text", 63)
	if len(changes) != 1 || changes[0].Column.Name != want || len(want) != 63 {
		t.Fatalf("changes = %v, want variant %q", changesString(changes), want)
	}
	row := Row{long: "x"}
	if _, keep, err := check(next, row, e); err != nil || !keep || row[want] != "x" {
		t.Errorf("Check = %v, %v, row %v", keep, err, row)
	}
}

func TestEvolveRecordsMissingKeys(t *testing.T) {
	// A table recorded before columns had keys gets the keys observed,
	// as RecordKey changes; a recorded key is kept.
	existing := &Table{Name: "t", Columns: []Column{
		{Name: "_pipe_id", Type: Text},
		{Name: "name", Type: Text, Nullable: true},
		{Name: "name_52ba8a26", Type: Text, Nullable: true, Key: "NAME"},
	}}
	observed := &Table{Name: "t", Columns: []Column{
		{Name: "_pipe_id", Type: Text},
		{Name: "name", Type: Text, Nullable: true, Key: "name"},
		{Name: "name_52ba8a26", Type: Text, Nullable: true, Key: "NAME"},
	}}
	next, changes, err := Evolver{}.Evolve(existing, observed)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Kind != RecordKey || changes[0].Column.Name != "name" || changes[0].Column.Key != "name" {
		t.Errorf("changes %v, want record_key of name", changes)
	}
	if c, _ := next.Column("name"); c.Key != "name" {
		t.Errorf("next name column %+v, want key name", c)
	}
	if existing.Columns[1].Key != "" {
		t.Errorf("existing table changed: %+v", existing.Columns[1])
	}
	if _, changes, _ := (Evolver{}).Evolve(next, observed); len(changes) != 0 {
		t.Errorf("keys recorded: changes %v, want none", changes)
	}
}

// TestEvolveVariantNameOfAKey: the variant column of a scalar column is
// never the column of a JSON key that snake-cases to its name (an object
// {"v_text": …} where other records hold the scalar): whichever comes
// first, in one batch or two, Evolve fails naming both and the hint.
func TestEvolveVariantNameOfAKey(t *testing.T) {
	flag := Column{Name: "a__flag", Type: Boolean, Nullable: true, Key: "a.flag"}
	flagText := Column{Name: "a__flag", Type: Text, Nullable: true, Key: "a.flag"}
	key := Column{Name: "a__flag__v_text", Type: Text, Nullable: true, Key: "a.flag.v_text"}
	variant := Column{Name: "a__flag__v_text", Type: Text, Nullable: true}
	for _, c := range []struct {
		name               string
		existing, observed *Table
	}{
		{"one batch, the key first", nil, &Table{Name: "t", Columns: []Column{key, flag, flagText}}},
		{"one batch, the variant first", nil, &Table{Name: "t", Columns: []Column{flag, flagText, key}}},
		{"one later batch, the variant first", &Table{Name: "t", Columns: []Column{flag}}, &Table{Name: "t", Columns: []Column{flagText, key}}},
		{"the key stored", &Table{Name: "t", Columns: []Column{flag, key}}, &Table{Name: "t", Columns: []Column{flagText}}},
		{"the variant stored", &Table{Name: "t", Columns: []Column{flag, variant}}, &Table{Name: "t", Columns: []Column{key}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Evolver{}.Evolve(c.existing, c.observed)
			want := `table "t": column "a__flag__v_text" holds the key "a.flag.v_text" and would also be the variant column of "a__flag" (its values of another type): hint a__flag text (columns: {a__flag: {data_type: text}}) to keep its values in that column`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v\nwant %s", err, want)
			}
		})
	}
	child := &Table{Name: "t__items", Parent: "t", Columns: []Column{flag, key}}
	if _, _, err := (Evolver{}).Evolve(child, &Table{Name: "t__items", Parent: "t", Columns: []Column{flagText}}); err == nil ||
		!strings.Contains(err.Error(), `a max_table_nesting that stores the object as JSON keeps them apart (column hints apply to root tables only)`) {
		t.Errorf("child table: err = %v", err)
	}
	// a variant stored without a key, met again: reused as before
	next, _, err := Evolver{}.Evolve(&Table{Name: "t", Columns: []Column{flag, variant}}, &Table{Name: "t", Columns: []Column{flagText}})
	if err != nil || colsString(next) != "a__flag:boolean a__flag__v_text:text" {
		t.Errorf("variant met again: %s, %v", colsString(next), err)
	}
}

// TestEvolveFixed: a column whose type a hint fixes is made with that type
// and never widens; a value the hint could not convert gets a variant
// column, in a new table and in an existing one. Other tables, and
// columns without a hint, widen as before.
func TestEvolveFixed(t *testing.T) {
	fixed := map[string]map[string]Type{"orders": {"total_tax": Decimal}}
	for _, c := range []struct {
		name               string
		existing, observed *Table
		want, changes      string
	}{
		{"new table, both types", nil, tbl("orders", "total_tax:decimal", "total_tax:text"),
			"total_tax:decimal total_tax__v_text:text", "create_table"},
		{"new table, only the unconverted", nil, tbl("orders", "total_tax:text"),
			"total_tax:decimal total_tax__v_text:text", "create_table"},
		{"existing table", tbl("orders", "total_tax:decimal"), tbl("orders", "total_tax:text"),
			"total_tax:decimal total_tax__v_text:text", "add_variant total_tax__v_text:text of total_tax"},
		{"new column of an existing table", tbl("orders", "id:bigint"), tbl("orders", "total_tax:text"),
			"id:bigint total_tax:decimal total_tax__v_text:text", "add_column total_tax:decimal; add_variant total_tax__v_text:text of total_tax"},
		{"another table", nil, tbl("orders__lines", "total_tax:decimal", "total_tax:text"), "total_tax:text", "create_table"},
		{"a column without a hint", tbl("orders", "price:decimal"), tbl("orders", "price:text"),
			"price:text", "widen_column price decimal->text"},
	} {
		t.Run(c.name, func(t *testing.T) {
			next, changes, err := Evolver{Fixed: fixed}.Evolve(c.existing, c.observed)
			if err != nil {
				t.Fatal(err)
			}
			if got := colsString(next); got != c.want {
				t.Errorf("columns %s, want %s", got, c.want)
			}
			if got := changesString(changes); got != c.changes {
				t.Errorf("changes %s, want %s", got, c.changes)
			}
		})
	}
}
