package normalize

import (
	"fmt"
	"strings"
	"testing"
)

// TestLastWins: repeated keys at any depth keep their last value at the
// first key's place; text without them is returned as it is.
func TestLastWins(t *testing.T) {
	for _, tt := range []struct{ raw, want string }{
		{`{"a":1,"b":2}`, `{"a":1,"b":2}`},
		{`{"a": 1, "b": 2}`, `{"a": 1, "b": 2}`},
		{`[1,"{",{"x":[]}]`, `[1,"{",{"x":[]}]`},
		{`{"dup":1,"b":2,"dup":3}`, `{"dup":3,"b":2}`},
		{`{"o":{"k":"x","k":"y"},"l":[{"z":1,"z":{"q":2,"q":3}}]}`, `{"o":{"k":"y"},"l":[{"z":{"q":3}}]}`},
		{`[{"a":1},{"a":2,"a":null}]`, `[{"a":1},{"a":null}]`},
		{`{"\u0061":1,"a":2}`, `{"\u0061":2}`},
	} {
		if got := lastWins(tt.raw); got != tt.want {
			t.Errorf("lastWins(%s) = %s, want %s", tt.raw, got, tt.want)
		}
	}
}

// TestLastWinsWideObject: a key repeated after the first 16 keys of an
// object is found too.
func TestLastWinsWideObject(t *testing.T) {
	raw, want := "{", "{"
	for i := range 20 {
		raw += fmt.Sprintf(`"k%d":%d,`, i, i)
		if i != 3 {
			want += fmt.Sprintf(`"k%d":%d,`, i, i)
		} else {
			want += `"k3":"last",`
		}
	}
	raw += `"k18":"x","k3":"last"}`
	want = want[:len(want)-1] + "}"
	want = strings.Replace(want, `"k18":18`, `"k18":"x"`, 1)
	if got := lastWins(raw); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
