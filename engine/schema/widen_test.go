package schema

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestInfer(t *testing.T) {
	tests := []struct {
		v    any
		want Type
	}{
		{true, Boolean},
		{int64(3), Bigint},
		{3, Bigint},
		{3.5, Double},
		{json.Number("12345678901234567890123"), Decimal},
		{float32(1), Double},
		{"x", Text},
		{time.Now(), Timestamp},
		{json.RawMessage(`{}`), JSON},
		{nil, ""},
		{[]byte("x"), ""},
		{map[string]any{}, ""},
	}
	for _, tt := range tests {
		if got := Infer(tt.v); got != tt.want {
			t.Errorf("Infer(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestWiden(t *testing.T) {
	tests := []struct {
		have, got Type
		want      Type
		ok        bool
	}{
		{Bigint, Bigint, Bigint, true},
		{Bigint, Double, Double, true},
		{Double, Bigint, Double, true},
		{Bigint, Text, Text, true},
		{Double, Text, Text, true},
		{Text, Bigint, Text, true},
		{Text, Double, Text, true},
		{Bigint, Decimal, Decimal, true},
		{Decimal, Bigint, Decimal, true},
		{Double, Decimal, Decimal, true},
		{Decimal, Double, Decimal, true},
		{Decimal, Text, Text, true},
		{Text, Decimal, Text, true},
		{Decimal, Timestamp, "", false},
		{Boolean, Boolean, Boolean, true},
		{Timestamp, Timestamp, Timestamp, true},
		{JSON, JSON, JSON, true},
		{Boolean, Text, "", false},
		{Text, Boolean, "", false},
		{Boolean, Bigint, "", false},
		{Bigint, Boolean, "", false},
		{Timestamp, Text, "", false},
		{Text, Timestamp, "", false},
		{JSON, Text, "", false},
		{Text, JSON, "", false},
		{Double, Timestamp, "", false},
	}
	for _, tt := range tests {
		got, ok := Widen(tt.have, tt.got)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Widen(%s, %s) = %q, %v; want %q, %v", tt.have, tt.got, got, ok, tt.want, tt.ok)
		}
	}
}

func TestConvert(t *testing.T) {
	tests := []struct {
		v        any
		got, col Type
		want     any
	}{
		{int64(3), Bigint, Double, 3.0},
		{int64(-7), Bigint, Text, "-7"},
		{2.5, Double, Text, "2.5"},
		{1e21, Double, Text, "1e+21"},
		{int64(-7), Bigint, Decimal, json.Number("-7")},
		{0.1, Double, Decimal, json.Number("0.1")},
		{json.Number("1e400"), Decimal, Text, "1e400"},
		{3, Bigint, Bigint, int64(3)},
		{3, Bigint, Text, "3"},
		{float32(0.5), Double, Double, 0.5},
		{"s", Text, Text, "s"},
	}
	for _, tt := range tests {
		if got := convert(tt.v, tt.got, tt.col); got != tt.want {
			t.Errorf("convert(%#v, %s, %s) = %#v, want %#v", tt.v, tt.got, tt.col, got, tt.want)
		}
	}
}

// TestFormatDouble: the text of a double converted to text or decimal is
// what Postgres prints for it, so that a column widened by the
// destination and a value converted by pipe read alike.
func TestFormatDouble(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{3, "3"},
		{0.1, "0.1"},
		{0.0001, "0.0001"},
		{0.00001, "1e-05"},
		{-2.5e-7, "-2.5e-07"},
		{1234567.5, "1234567.5"},
		{123456789012345.6, "123456789012345.6"},
		{1e14, "100000000000000"},
		{1e15, "1e+15"},
		{1234567890123456.7, "1.2345678901234568e+15"},
		{1e21, "1e+21"},
		{1e300, "1e+300"},
	} {
		if got := FormatDouble(c.in); got != c.want {
			t.Errorf("FormatDouble(%v) = %q, want %q", c.in, got, c.want)
		}
		if got := convert(c.in, Double, Text); got != c.want {
			t.Errorf("convert(%v, double, text) = %#v, want %q", c.in, got, c.want)
		}
		if got := convert(c.in, Double, Decimal); got != json.Number(c.want) {
			t.Errorf("convert(%v, double, decimal) = %#v, want %q", c.in, got, c.want)
		}
	}
}
