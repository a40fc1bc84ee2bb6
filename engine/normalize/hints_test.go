package normalize

import (
	"reflect"
	"testing"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/tidwall/gjson"
)

func TestHintedValues(t *testing.T) {
	tests := []struct {
		hint schema.Type
		json string
		want string // formatValue, or "" when the hint does not apply
	}{
		{schema.Timestamp, `1704164645`, "timestamp 2024-01-02T03:04:05Z UTC"},                    // seconds
		{schema.Timestamp, `1704164645.5`, "timestamp 2024-01-02T03:04:05.5Z UTC"},                // seconds with a fraction
		{schema.Timestamp, `1704164645123`, "timestamp 2024-01-02T03:04:05.123Z UTC"},             // milliseconds
		{schema.Timestamp, `1704164645123456`, "timestamp 2024-01-02T03:04:05.123456Z UTC"},       // microseconds
		{schema.Timestamp, `1704164645123456789`, "timestamp 2024-01-02T03:04:05.123456789Z UTC"}, // nanoseconds
		{schema.Timestamp, `99999999999`, "timestamp 5138-11-16T09:46:39Z UTC"},                   // the last second read as seconds
		{schema.Timestamp, `100000000000`, "timestamp 1973-03-03T09:46:40Z UTC"},                  // the first read as milliseconds
		{schema.Timestamp, `-86400`, "timestamp 1969-12-31T00:00:00Z UTC"},
		{schema.Timestamp, `1512085950.000216`, "timestamp 2017-11-30T23:52:30.000216Z UTC"}, // Slack's ts, microseconds exactly
		{schema.Timestamp, `1700000000123.456`, "timestamp 2023-11-14T22:13:20.123456Z UTC"}, // milliseconds with a fraction
		{schema.Timestamp, `1.704164645e9`, "timestamp 2024-01-02T03:04:05Z UTC"},            // an exponent
		{schema.Timestamp, `-1.5`, "timestamp 1969-12-31T23:59:58.5Z UTC"},                   // before 1970
		{schema.Timestamp, `0`, "timestamp 1970-01-01T00:00:00Z UTC"},                        // zero
		{schema.Timestamp, `1704164645.0000000001`, ""},                                      // below the nanosecond: no time holds it
		{schema.Timestamp, `1e30`, ""},
		{schema.Timestamp, `"1512085950.000216"`, "timestamp 2017-11-30T23:52:30.000216Z UTC"}, // a number in a string
		{schema.Timestamp, `" 1512085950"`, ""},
		{schema.Timestamp, `"0x5A"`, ""}, // nanoseconds past int64's seconds
		{schema.Timestamp, `"2024-01-02T03:04:05+0000"`, "timestamp 2024-01-02T03:04:05Z UTC"},
		{schema.Timestamp, `"2024-01-02 03:04:05+00"`, "timestamp 2024-01-02T03:04:05Z UTC"},
		{schema.Timestamp, `"2024-01-02"`, "timestamp 2024-01-02T00:00:00Z UTC"},
		{schema.Timestamp, `1e400`, ""},
		{schema.Timestamp, `"yesterday"`, ""},
		{schema.Decimal, `0.1`, "decimal 0.1"},
		{schema.Decimal, `"12345678901234567890123.5"`, "decimal 12345678901234567890123.5"},
		{schema.Decimal, `"1,5"`, ""},
		{schema.Decimal, `1e200000`, ""},
		{schema.Double, `"2.5"`, "double 2.5"},
		{schema.Double, `1e400`, ""},  // never an infinity
		{schema.Double, `1e-400`, ""}, // never zero for a number that is not
		{schema.Double, `0e5`, "double 0"},
		{schema.Bigint, `12345678901234567890123`, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.hint)+" "+tt.json, func(t *testing.T) {
			got := ""
			if v, ok := hinted(tt.hint, gjson.Parse(tt.json)); ok {
				got = formatValue(v)
			}
			if got != tt.want {
				t.Errorf("hinted = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestHintTally(t *testing.T) {
	hints := map[string]schema.Type{"created": schema.Timestamp, "size": schema.Bigint, "gone": schema.Text, "attrs__at": schema.Timestamp}
	tally := NewHintTally(hints)
	for range 2 { // two chains of one resource share the tally
		normalizeOne(t, Config{Table: "t", IDFromContent: true, MaxNesting: 10, Hints: hints, Tally: tally},
			`{"created": 1704164645, "size": "12", "attrs": {"at": "2024-01-02T03:04:05Z"}}`,
			`{"created": "soon", "size": null, "attrs": {"at": 1704164645000}}`,
			`{"created": true, "size": 3}`)
	}
	want := []HintProblem{
		{Column: "created", Type: schema.Timestamp, Values: 6, Failed: 4},
		{Column: "gone", Type: schema.Text},
	}
	if got := tally.Problems(); !reflect.DeepEqual(got, want) {
		t.Errorf("Problems() = %+v, want %+v", got, want)
	}
	msgs := []string{
		"hint columns.created (data_type: timestamp) could not convert 4 of 6 values (stored as inferred, in a variant column)",
		"hint columns.gone (data_type: text) names a column that no record had",
	}
	for i, p := range tally.Problems() {
		if p.String() != msgs[i] {
			t.Errorf("String() = %q, want %q", p.String(), msgs[i])
		}
	}
	n := New(Config{Table: "t", Hints: hints})
	if got := len(n.Hints().Problems()); got != 4 {
		t.Errorf("a fresh Normalizer's own tally has %d problems, want 4 (every hint unused)", got)
	}
}
