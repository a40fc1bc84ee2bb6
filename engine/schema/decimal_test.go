package schema

import "testing"

func TestSplitDecimal(t *testing.T) {
	tests := []struct {
		in     string
		neg    bool
		digits string
		exp    int
		ok     bool
	}{
		{"0", false, "", 0, true},
		{"-0.000", false, "", 0, true},
		{"12345678901234567890123", false, "12345678901234567890123", 0, true},
		{"1.50", false, "15", -1, true},
		{"15e-1", false, "15", -1, true},
		{"-1200", true, "12", 2, true},
		{"1E+400", false, "1", 400, true},
		{"1e-400", false, "1", -400, true},
		{"0.1000000000000000055511151231257827", false, "1000000000000000055511151231257827", -34, true},
		{"01", false, "", 0, false},
		{"1.", false, "", 0, false},
		{".5", false, "", 0, false},
		{"1e", false, "", 0, false},
		{"1e99999999999", false, "", 0, false},
		{"NaN", false, "", 0, false},
		{"", false, "", 0, false},
		{"-", false, "", 0, false},
	}
	for _, tt := range tests {
		neg, d, e, ok := SplitDecimal(tt.in)
		if neg != tt.neg || d != tt.digits || e != tt.exp || ok != tt.ok {
			t.Errorf("SplitDecimal(%q) = %v, %q, %d, %v; want %v, %q, %d, %v", tt.in, neg, d, e, ok, tt.neg, tt.digits, tt.exp, tt.ok)
		}
	}
}

func TestEqualDecimal(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"1.50", "15e-1", true},
		{"0", "-0.0", true},
		{"0.1", "0.1000000000000000055511151231257827", false},
		{"1e400", "1E400", true},
		{"-1", "1", false},
		{"x", "x", false},
	}
	for _, tt := range tests {
		if got := EqualDecimal(tt.a, tt.b); got != tt.want {
			t.Errorf("EqualDecimal(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestDecimalInRange(t *testing.T) {
	for s, want := range map[string]bool{
		"1e400": true, "1e-400": true, "1e131071": true, "1e131072": false,
		"1e-16383": true, "1e-16384": false, "12.5e-16383": false, "12.5e-16382": true, "abc": false,
	} {
		if got := DecimalInRange(s); got != want {
			t.Errorf("DecimalInRange(%q) = %v, want %v", s, got, want)
		}
	}
}
