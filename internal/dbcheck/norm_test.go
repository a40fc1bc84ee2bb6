package dbcheck

import (
	"testing"
	"time"
)

func TestNorm(t *testing.T) {
	s := "x"
	var nilString *string
	cases := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, "NULL"},
		{"nil *string", nilString, "NULL"},
		{"*string", &s, `"x"`},
		{"true", true, "1"},
		{"false", false, "0"},
		{"int", 42, "42"},
		{"int64", int64(-7), "-7"},
		{"whole float", 3.0, "3"},
		{"float", 0.25, "0.25"},
		{"string", `a "b"`, `"a \"b\""`},
		{"bytes", []byte("x"), `"x"`},
		{"time in a zone", time.Date(2026, 1, 2, 4, 4, 5, 0, time.FixedZone("", 3600)), "2026-01-02T03:04:05Z"},
		{"RFC 3339 string", "2026-01-02T04:04:05.5+01:00", "2026-01-02T03:04:05.5Z"},
		{"zone-less string is UTC", "2026-01-02T03:04:05", "2026-01-02T03:04:05Z"},
		{"date-like text stays text", "2026-01-02T99", `"2026-01-02T99"`},
		{"other types", uint8(3), "uint8 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Norm(c.v); got != c.want {
				t.Errorf("Norm(%#v) = %s, want %s", c.v, got, c.want)
			}
		})
	}
}

func TestOrNull(t *testing.T) {
	if v := OrNull(""); v != nil {
		t.Errorf(`OrNull("") = %#v, want nil`, v)
	}
	if v := OrNull("a"); v != "a" {
		t.Errorf(`OrNull("a") = %#v, want "a"`, v)
	}
}

func TestRenderComparesJSONAsData(t *testing.T) {
	cases := []struct {
		name string
		got  any
		want any
		same bool
	}{
		{"same data, other spacing and key order", []byte(`{"b": [1, 2], "a": "x"}`), JSON{map[string]any{"a": "x", "b": []int{1, 2}}}, true},
		{"other data", `["a","c"]`, JSON{[]string{"a", "b"}}, false},
		{"not JSON", "a,b", JSON{[]string{"a", "b"}}, false},
		{"plain values are normalized", int64(1), true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, w := render(c.got, c.want)
			if (g == w) != c.same {
				t.Errorf("render(%v, %v) = %s, %s; equal %v, want %v", c.got, c.want, g, w, g == w, c.same)
			}
		})
	}
}
