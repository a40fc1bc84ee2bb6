package rest

import (
	"errors"
	"strings"
	"testing"
)

func TestUTF8Body(t *testing.T) {
	cases := []struct {
		name, ctype, body string
		want              string // "" when an error is wanted
		err               string
	}{
		{"no charset", "application/json", `{"a":"café"}`, `{"a":"café"}`, ""},
		{"utf-8", "application/json; charset=UTF-8", `{"a":"café"}`, `{"a":"café"}`, ""},
		{"utf-8 declared, invalid bytes kept for Select to refuse", "application/json;charset=utf-8", "{\"a\":\"caf\xe9\"}", "{\"a\":\"caf\xe9\"}", ""},
		// metamug/mason#161: a REST framework answering application/json;charset=ISO-8859-1.
		{"iso-8859-1", "application/json;charset=ISO-8859-1", "{\"a\":\"caf\xe9\"}", `{"a":"café"}`, ""},
		{"quoted latin1", `application/json; charset="latin1"`, "{\"a\":\"\xfcber\"}", `{"a":"über"}`, ""},
		{"windows-1252 euro", "application/json; charset=windows-1252", "{\"a\":\"\x80 5\"}", `{"a":"€ 5"}`, ""},
		{"utf-16le with its BOM", "application/json; charset=utf-16", "\xff\xfe{\x00}\x00", "\ufeff{}", ""},
		{"shift_jis", "application/json; charset=Shift_JIS", "{\"a\":\"\x93\xfa\x96\x7b\"}", `{"a":"日本"}`, ""},
		{"shift_jis byte it does not define", "application/json; charset=Shift_JIS", "{\"a\":\"\x85\x40\"}", "", "does not define"},
		{"ISO-8859-1 named, UTF-8 written (a Java server's default label)", "application/json;charset=ISO-8859-1", `{"a":"café"}`, `{"a":"café"}`, ""},
		{"Shift_JIS named, UTF-8 written", "application/json; charset=Shift_JIS", `{"a":"日本"}`, `{"a":"日本"}`, ""},
		{"unknown charset, UTF-8 written", "application/json; charset=x-mac-klingon", `{"a":"café"}`, `{"a":"café"}`, ""},
		{"unknown charset", "application/json; charset=x-mac-klingon", "{\"a\":\"caf\xe9\"}", "", `charset "x-mac-klingon"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := utf8Body([]byte(c.body), c.ctype)
			if c.err != "" {
				if err == nil || !errors.Is(err, errCharset) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want errCharset holding %q (body %q)", err, c.err, got)
				}
				return
			}
			if err != nil || string(got) != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestInvalidUTF8(t *testing.T) {
	for body, want := range map[string]int{`{"a":"café"}`: -1, "{\"a\":\"caf\xe9\"}": 9, "\xff": 0, "": -1, "ab\xe2\x82": 2} {
		if got := invalidUTF8([]byte(body)); got != want {
			t.Errorf("invalidUTF8(%q) = %d, want %d", body, got, want)
		}
	}
}
