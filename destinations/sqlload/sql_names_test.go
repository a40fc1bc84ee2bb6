package sqlload

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pipe-etl/pipe/destinations"
)

func TestShortName(t *testing.T) {
	long := strings.Repeat("a", 70)
	for _, c := range []struct {
		name string
		max  int
		want string // "" means: shortened, checked by properties below
	}{
		{"issues", 63, "issues"},
		{strings.Repeat("a", 63), 63, strings.Repeat("a", 63)},
		{long, 63, ""},
		{long + "b", 63, ""},
		{strings.Repeat("é", 40), 63, ""}, // 80 bytes of two-byte runes
	} {
		got := ShortName(c.name, c.max)
		if c.want != "" {
			if got != c.want {
				t.Errorf("ShortName(%q) = %q, want %q", c.name, got, c.want)
			}
			continue
		}
		if len(got) > c.max || !utf8.ValidString(got) {
			t.Errorf("ShortName(%q) = %q: %d bytes or invalid UTF-8", c.name, got, len(got))
		}
		if ShortName(c.name, c.max) != got {
			t.Errorf("ShortName(%q) not stable", c.name)
		}
	}
	if ShortName(long, 63) == ShortName(long+"b", 63) {
		t.Error("different long names shortened alike")
	}
	if got := StagingName(strings.Repeat("t", 63), 63); len(got) > 63 || !strings.HasPrefix(got, "ttt") {
		t.Errorf("StagingName = %q", got)
	}
	if got := StagingName("issues", 63); got != "issues__pipe_staging" {
		t.Errorf("StagingName(issues) = %q", got)
	}
}

func TestCheckIdentifier(t *testing.T) {
	if err := CheckIdentifier(strings.Repeat("x", 63), 63); err != nil {
		t.Errorf("63 bytes: %v", err)
	}
	if err := CheckIdentifier(strings.Repeat("x", 64), 63); !errors.Is(err, destinations.ErrIdentifierTooLong) {
		t.Errorf("64 bytes: %v, want destinations.ErrIdentifierTooLong", err)
	}
	if err := CheckIdentifier("", 63); err == nil {
		t.Error("empty name: no error")
	}
}
