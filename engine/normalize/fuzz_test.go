package normalize

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/tidwall/gjson"
)

// FuzzNormalize normalizes any JSON record: no panic; every value of every
// row has a type its table's observed columns list for that column; every
// number is exact: a double is finite and its shortest text is the
// value of a literal of the record, a decimal is a JSON number literal a
// decimal column holds; and the one-pass walk gives the rows of gjson's
// (refNormalize) under every walkConfig. Seeds: the golden inputs and
// testdata/fuzz.
func FuzzNormalize(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		gjson.ParseBytes(data).ForEach(func(_, rec gjson.Result) bool {
			f.Add([]byte(rec.Raw), uint8(0))
			return true
		})
	}
	f.Fuzz(func(t *testing.T, data []byte, nesting uint8) {
		if !gjson.ValidBytes(data) {
			return
		}
		rec := gjson.ParseBytes(data)
		for _, c := range walkConfigs() {
			compareWalks(t, c, []string{rec.Raw})
		}
		literals := numberLiterals(rec)
		n := New(Config{Table: "t", IDFromContent: true, MaxNesting: int(nesting % 12),
			Hints: map[string]schema.Type{"at": schema.Timestamp, "n": schema.Decimal, "d": schema.Double}})
		var rows Rows
		if err := n.Normalize(rec, nil, &rows); err != nil {
			t.Fatal(err)
		}
		for _, tr := range rows.Tables() {
			observed := map[colType]bool{}
			for _, c := range tr.Observed.Columns {
				observed[colType{c.Name, c.Type}] = true
			}
			for _, row := range tr.Rows {
				for col, v := range row {
					typ := schema.Infer(v)
					if !observed[colType{col, typ}] {
						t.Fatalf("table %s: %s = %#v (%s) is not an observed column type", tr.Name, col, v, typ)
					}
					switch x := v.(type) {
					case float64:
						if math.IsInf(x, 0) || math.IsNaN(x) {
							t.Fatalf("%s = %v", col, x)
						}
						if col != "d" && !literals.exact(x) {
							t.Fatalf("%s = double %v, which no number of the record has exactly", col, x)
						}
					case json.Number:
						if !schema.DecimalInRange(string(x)) {
							t.Fatalf("%s = decimal %q, not a number a decimal column holds", col, x)
						}
					}
				}
			}
		}
	})
}

// numberLiterals collects the number literals of a JSON value, and those
// of strings (which hints may convert).
func numberLiterals(v gjson.Result) literalSet {
	s := literalSet{}
	var walk func(gjson.Result)
	walk = func(v gjson.Result) {
		switch {
		case v.Type == gjson.Number:
			s = append(s, v.Raw)
		case v.Type == gjson.String:
			s = append(s, v.Str)
		case v.IsObject() || v.IsArray():
			v.ForEach(func(_, x gjson.Result) bool { walk(x); return true })
		}
	}
	walk(v)
	return s
}

type literalSet []string

// exact reports whether f is exactly the value of one of the literals.
func (s literalSet) exact(f float64) bool {
	text := formatFloat(f)
	for _, lit := range s {
		if schema.EqualDecimal(lit, text) {
			return true
		}
	}
	return false
}

func formatFloat(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}
