package postgres

import (
	"strings"
	"testing"
)

// TestNumberOutOfRange: the numbers jsonb refuses, as Postgres 15
// answers '…'::jsonb ("value overflows numeric format"), and those it
// keeps, including look-alikes in strings.
func TestNumberOutOfRange(t *testing.T) {
	for _, tt := range []struct {
		json string
		out  bool
	}{
		{`{"x": 1e131071}`, false}, {`{"x": 1e131072}`, true}, {`{"x": 9E+131071}`, false},
		{`[1e-16383]`, false}, {`[1e-16384]`, true}, {`[1.5e-16383]`, true}, {`[0.0000e-20000]`, true}, {`[0e200000]`, false},
		{`{"a": 123.456e131069}`, false}, {`{"a": -123.456e131070}`, true}, {`{"a": 0.5e131072}`, false}, {`{"a": 0.05e131073}`, false},
		{`{"a": "1e200000", "b": "\"1e999999"}`, false}, {`{"a": 1.5, "b": [2, -3e2]}`, false},
		{`[0.` + strings.Repeat("1", 16383) + `]`, false}, {`[0.` + strings.Repeat("1", 16384) + `]`, true},
	} {
		if got := numberOutOfRange(tt.json); got != tt.out {
			name := tt.json
			if len(name) > 40 {
				name = name[:40] + "…"
			}
			t.Errorf("numberOutOfRange(%s) = %v, want %v", name, got, tt.out)
		}
	}
}
