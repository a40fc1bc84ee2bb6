package normalize

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestCanonicalNumber: every spelling of a value gives one text, and a
// number written canonically (every integer JSON writes, a decimal
// without trailing zeros) keeps its text, so the ids of keys written so
// stay as they were.
func TestCanonicalNumber(t *testing.T) {
	for _, tt := range []struct{ raw, want string }{
		{"42", "42"}, {"-42", "-42"}, {"0", "0"}, {"123456789012345678901234567890", "123456789012345678901234567890"},
		{"1.5", "1.5"}, {"-0.25", "-0.25"}, {"0.001", "0.001"},
		{"1.0", "1"}, {"1.000", "1"}, {"-0", "0"}, {"-0.0", "0"}, {"0e5", "0"}, {"0.0e-3", "0"},
		{"1e2", "100"}, {"1E+2", "100"}, {"100e0", "100"}, {"1000E-1", "100"}, {"10.0e1", "100"},
		{"1.50", "1.5"}, {"15e-1", "1.5"}, {"0.15E1", "1.5"}, {"-15E-1", "-1.5"},
		{"1e-3", "0.001"}, {"12.5e-4", "0.00125"},
		{"1e400", "1" + strings.Repeat("0", 400)},
		{"1e401", "1e401"}, {"1e-500", "1e-500"}, {"25e-499", "25e-499"},
	} {
		got, ok := canonicalNumber(tt.raw)
		if !ok || got != tt.want {
			t.Errorf("canonicalNumber(%q) = %q, %v; want %q", tt.raw, got, ok, tt.want)
		}
	}
	for _, raw := range []string{"", "-", "abc", "1e", "1e99999999999999999999", ".5", "1.2.3"} {
		if got, ok := canonicalNumber(raw); ok {
			t.Errorf("canonicalNumber(%q) = %q, want not ok", raw, got)
		}
	}
}

// TestNumberKeyIDs: a record keyed 7.0 has 7's id, and 7.0's former id
// is the id of its text as written; a key written canonically has none.
func TestNumberKeyIDs(t *testing.T) {
	n := New(Config{MaxNesting: 10, Table: "items", PrimaryKey: []string{"id"}, MaxIdentLen: 63})
	ids := map[string]string{}
	for _, rec := range []string{`{"id": 7}`, `{"id": 7.0}`, `{"id": 70e-1}`, `{"id": "7"}`} {
		var out Rows
		if err := n.Normalize(gjson.Parse(rec), nil, &out); err != nil {
			t.Fatal(err)
		}
		ids[rec] = n.RootID()
		former := out.FormerIDs()
		switch rec {
		case `{"id": 7}`, `{"id": "7"}`:
			if len(former) != 0 {
				t.Errorf("%s: former ids %v", rec, former)
			}
		default:
			raw := strings.TrimSuffix(strings.TrimPrefix(rec, `{"id": `), "}")
			if got, want := former[n.RootID()], hashID(append(append([]byte("items\x00"), byte(len(raw))), raw...)); got != want {
				t.Errorf("%s: former id %q, want %q", rec, got, want)
			}
		}
	}
	for rec, id := range ids {
		if id != ids[`{"id": 7}`] {
			t.Errorf("%s: id %s, want %s (7's)", rec, id, ids[`{"id": 7}`])
		}
	}
}
