package spec

import (
	"strings"
	"testing"
)

// Inputs that used to hang the loader fail at once with a positioned
// error (a hang fails the test by go test's timeout).
func TestLoadBounds(t *testing.T) {
	tests := []struct {
		name, spec, want string
	}{
		{"200 KB of [", "name: x\nclient: " + strings.Repeat("[", 200<<10), "x.yml:2:73: collections nested deeper than 64 levels"},
		{"200 KB of {a:", "name: x\nclient: " + strings.Repeat("{a: ", 50<<10), "x.yml:2:265: collections nested deeper than 64 levels"},
		{"200 KB of - ", "name: x\nresources:\n" + strings.Repeat("- ", 100<<10), "x.yml:3:129: sequences nested deeper than 64 levels"},
		{"block nesting", "name: x\nclient:\n" + blockNest(70), "x.yml:67:66: client.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a: collections nested deeper than 64 levels"},
		{"over a megabyte", "name: x\n# " + strings.Repeat("x", MaxSpecBytes), "x.yml:1:1: spec too large (1048586 bytes; at most 1048576)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("x.yml", []byte(tt.spec))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Load error = %v\nwant %s", err, tt.want)
			}
		})
	}
}

// Brackets and dashes in quoted scalars and comments do not count, nor
// does a quote inside a word.
func TestBoundsIgnoreQuotedText(t *testing.T) {
	deep := strings.Repeat("[", 100)
	for _, s := range []string{
		"a: \"" + deep + "\"\n",
		"a: '" + deep + "'\n",
		"a: x # " + deep + "\n",
		"a: \"esc \\\" " + deep + "\"\n",
		"a: '" + strings.Repeat("- ", 100) + "'\n",
	} {
		if e := checkBounds("x.yml", []byte(s)); e != nil {
			t.Errorf("checkBounds(%q) = %v", s, e)
		}
	}
	if e := checkBounds("x.yml", []byte("a: it's\nb: "+deep)); e == nil {
		t.Errorf("an apostrophe inside a word hid the brackets after it")
	}
}

func blockNest(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(strings.Repeat(" ", i) + "a:\n")
	}
	return b.String()
}
