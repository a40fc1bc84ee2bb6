package schema

import (
	"strings"
	"testing"
)

func TestSnakeCase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"createdOn", "created_on"},
		{"HTTPServer", "http_server"},
		{"cvss.v3", "cvss_v3"},
		{"cvssV3Score", "cvss_v3_score"},
		{"userID", "user_id"},
		{"ID", "id"},
		{"id", "id"},
		{"already_snake", "already_snake"},
		{"foo__bar", "foo_bar"},
		{"__typename", "_typename"},
		{"_links", "_links"},
		{"a-b c", "a_b_c"},
		{"Content-Type", "content_type"},
		{"3d", "_3d"},
		{"42", "_42"},
		{"", "_"},
		{"---", "_"},
		{"café", "caf_"},
		{"X509Cert", "x509_cert"},
		{"ABC", "abc"},
		{"fooBAR", "foo_bar"},
		{"foo_Bar", "foo_bar"},
		{"FooBar", "foo_bar"},
	}
	for _, tt := range tests {
		if got := SnakeCase(tt.in); got != tt.want {
			t.Errorf("SnakeCase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestShorten(t *testing.T) {
	long := strings.Repeat("abcdefghij", 8) // 80 bytes
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short", "issues", 63, "issues"},
		{"exact", long[:63], 63, long[:63]},
		{"no limit", long, 0, long},
		{"long", long, 63, long[:54] + "_" + hash8(long)},
		{"tiny limit", long, 5, ("_" + hash8(long))[:5]},
		{"rune boundary", strings.Repeat("é", 40), 20, strings.Repeat("é", 5) + "_" + hash8(strings.Repeat("é", 40))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Shorten(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Shorten = %q, want %q", got, tt.want)
			}
			if tt.max > 0 && len(got) > tt.max {
				t.Errorf("len(Shorten) = %d > %d", len(got), tt.max)
			}
		})
	}
	// Stable and distinct: same input, same output; a one-byte difference
	// past the cut still gives another name.
	a, b := Shorten(long+"x", 63), Shorten(long+"y", 63)
	if a != Shorten(long+"x", 63) || a == b {
		t.Errorf("Shorten not stable or not distinct: %q %q", a, b)
	}
	if hash8("foo") != "a9f37ed7" { // FNV-1a 32 of "foo", a published test vector
		t.Errorf("hash8(foo) = %s", hash8("foo"))
	}
}

func TestDisambiguate(t *testing.T) {
	if got := Disambiguate("foo_bar", "fooBar"); got != "foo_bar_"+hash8("fooBar") {
		t.Errorf("Disambiguate = %q", got)
	}
	if Disambiguate("foo_bar", "fooBar") == Disambiguate("foo_bar", "foo_bar") {
		t.Error("Disambiguate does not depend on key")
	}
}

func TestVariantName(t *testing.T) {
	if got := VariantName("cvss_score", Text, 0); got != "cvss_score__v_text" {
		t.Errorf("VariantName = %q", got)
	}
	long := strings.Repeat("x", 60)
	if got := VariantName(long, Timestamp, 63); len(got) != 63 || got != Shorten(long+"__v_timestamp", 63) {
		t.Errorf("VariantName long = %q", got)
	}
}
