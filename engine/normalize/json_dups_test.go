package normalize

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
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

// TestPlainJSON: text that is compact with each key once is stored as it
// is; whitespace, a repeated key (at any depth, past the first keys, or
// spelled with an escape) or text too deep or wide to tell takes the slow
// path.
func TestPlainJSON(t *testing.T) {
	wide := func(n int) string {
		var b strings.Builder
		b.WriteByte('{')
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":%d`, i, i)
		}
		return b.String() + "}"
	}
	for _, tt := range []struct {
		raw  string
		want bool
	}{
		{`{"a":1,"b":[1,{"a":2}],"c":{"a":3}}`, true},
		{`[{"a":1},{"a":1}]`, true},
		{`"a b\" {\"a\":1,\"a\":2}"`, true},
		{`{"t":"x y","u":"{\"k\":1}"}`, true},
		{`{"a":"b:","c":"d"}`, true},
		{`{"o":{"k":1},"k":2}`, true},
		{`42`, true},
		{`{"a": 1}`, false},
		{"[1,\n2]", false},
		{`{"a":1,"a":2}`, false},
		{`{"o":{"k":1,"x":[],"k":2}}`, false},
		{`[{"a":1,"b":{"c":[{"d":1,"d":2}]}}]`, false},
		{`{"\u0061":1,"a":2}`, false},
		{`{"a\"b":1}`, false},
		{wide(64), true},
		{wide(65), false},
		{strings.Repeat("[", 24) + strings.Repeat("]", 24), true},
		{strings.Repeat("[", 25) + strings.Repeat("]", 25), false},
	} {
		if got := plainJSON(tt.raw); got != tt.want {
			t.Errorf("plainJSON(%.60s) = %v, want %v", tt.raw, got, tt.want)
		}
		if got, slow := string(compact(tt.raw)), string(rewritten(tt.raw)); got != slow {
			t.Errorf("compact(%.60s) = %s, slow path %s", tt.raw, got, slow)
		}
	}
}

// FuzzPlainJSON: text plainJSON passes is what the slow path would store.
func FuzzPlainJSON(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":[1,{"a":2}]}`, `{"a":1,"a":2}`, `[{"x":"y z"}]`, `{"a":{"b":{"a":1}},"b":2}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !gjson.Valid(raw) || !plainJSON(raw) {
			return
		}
		if slow := string(rewritten(raw)); slow != raw {
			t.Fatalf("plainJSON(%s) but the slow path stores %s", raw, slow)
		}
	})
}

// FuzzRepeatsKey compares repeatsKey with encoding/json's reading of the
// same text: an object that holds a key twice, keys compared unescaped.
func FuzzRepeatsKey(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":{"a":2}}`, `{"a":1,"a":2}`, `[{"x":[{"y":1,"y":2}]}]`, `{"\u0061":1,"a":2}`, `{"k":{"k":{"k":1}},"j":[]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !json.Valid([]byte(raw)) || !gjson.Valid(raw) || !utf8.ValidString(raw) {
			return
		}
		if got, want := repeatsKey(gjson.Parse(raw)), repeatsKeyDecoded(t, raw); got != want {
			t.Fatalf("repeatsKey(%s) = %v, encoding/json says %v", raw, got, want)
		}
	})
}

// repeatsKeyDecoded reads raw with encoding/json's tokens and reports
// whether an object in it holds a key twice.
func repeatsKeyDecoded(t *testing.T, raw string) bool {
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		top := len(stack) - 1
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if top >= 0 && stack[top].object {
					stack[top].key = true
				}
				stack = append(stack, &frame{object: v == '{', keys: map[string]bool{}, key: v == '{'})
			default:
				stack = stack[:top]
			}
			continue
		case string:
			if top >= 0 && stack[top].object && stack[top].key {
				if stack[top].keys[v] {
					return true
				}
				stack[top].keys[v] = true
				stack[top].key = false
				continue
			}
		}
		if top >= 0 && stack[top].object {
			stack[top].key = true
		}
	}
}
