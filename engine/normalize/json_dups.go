package normalize

import (
	"strings"

	"github.com/tidwall/gjson"
)

// plainJSON reports whether the JSON text raw is compact (no whitespace
// outside strings) and no object in it holds a key twice, so that it is
// stored as it is; false when it cannot tell in one pass over raw: a key
// with an escape (\u0061 is a), an object of more than a few dozen keys,
// deep nesting. compact then takes the slow path. It runs for every JSON
// value a row holds, so it compares keys in arrays on the stack.
func plainJSON(raw string) bool {
	var keys [64]string // keys of the open objects, the innermost last
	var open [24]int    // per open object, where its keys start in keys; -1 for a list
	depth, n := 0, 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case ' ', '\t', '\r', '\n':
			return false
		case '"':
			end, escaped, ok := stringEnd(raw, i)
			if !ok {
				return false
			}
			if depth > 0 && open[depth-1] >= 0 && end < len(raw) && raw[end] == ':' {
				if escaped || n == len(keys) {
					return false
				}
				key := raw[i+1 : end-1]
				for _, k := range keys[open[depth-1]:n] {
					if k == key {
						return false
					}
				}
				keys[n], n = key, n+1
			}
			i = end - 1
		case '{', '[':
			if depth == len(open) {
				return false
			}
			open[depth] = -1
			if raw[i] == '{' {
				open[depth] = n
			}
			depth++
		case '}', ']':
			if depth == 0 {
				return false
			}
			depth--
			if open[depth] >= 0 {
				n = open[depth]
			}
		}
	}
	return depth == 0
}

// lastWins returns JSON text raw with each object's repeated keys kept
// once, the last value at the first key's place, as flattened columns
// keep the last value and Postgres' jsonb does; raw itself when no
// object repeats a key. SQLite kept the text as received, where
// json_extract reads the first value: one record read two ways.
func lastWins(raw string) string {
	if !strings.Contains(raw, "{") {
		return raw
	}
	v := gjson.Parse(raw)
	if !repeatsKey(v) {
		return raw
	}
	var b strings.Builder
	b.Grow(len(raw))
	writeLastWins(&b, v)
	return b.String()
}

// repeatsKey reports whether an object in v holds a key twice (keys
// compared unescaped, as gjson reads them). It walks v's text once: a
// walk by gjson's ForEach, which finds the end of every value before
// entering it, scans a value nested d deep d times, and 100,000 nested
// objects (600 KB) took 65 s. Keys of the open objects are compared in
// one slice, an object's past 16 in a map.
func repeatsKey(v gjson.Result) bool {
	type open struct {
		object bool
		start  int             // where its keys start in keys
		many   map[string]bool // its keys past the first 16
	}
	raw := v.Raw
	var stack []open
	var keys []string
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			end, escaped, ok := stringEnd(raw, i)
			if !ok {
				return false
			}
			top := len(stack) - 1
			if top >= 0 && stack[top].object {
				if j := skipSpace(raw, end); j < len(raw) && raw[j] == ':' {
					key := raw[i+1 : end-1]
					if escaped {
						key = gjson.Parse(raw[i:end]).Str
					}
					o := &stack[top]
					if o.many[key] {
						return true
					}
					for _, k := range keys[o.start:] {
						if k == key {
							return true
						}
					}
					if len(keys)-o.start < 16 {
						keys = append(keys, key)
					} else {
						if o.many == nil {
							o.many = map[string]bool{}
						}
						o.many[key] = true
					}
				}
			}
			i = end - 1
		case '{', '[':
			stack = append(stack, open{object: raw[i] == '{', start: len(keys)})
		case '}', ']':
			if top := len(stack) - 1; top >= 0 {
				keys = keys[:stack[top].start]
				stack = stack[:top]
			}
		}
	}
	return false
}

// writeLastWins writes v compact, each object's keys once with their
// last values.
func writeLastWins(b *strings.Builder, v gjson.Result) {
	switch {
	case v.IsObject():
		var order []gjson.Result // keys, first occurrence
		last := map[string]gjson.Result{}
		v.ForEach(func(k, val gjson.Result) bool {
			if _, ok := last[k.Str]; !ok {
				order = append(order, k)
			}
			last[k.Str] = val
			return true
		})
		b.WriteByte('{')
		for i, k := range order {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(k.Raw)
			b.WriteByte(':')
			writeLastWins(b, last[k.Str])
		}
		b.WriteByte('}')
	case v.IsArray():
		b.WriteByte('[')
		i := 0
		v.ForEach(func(_, val gjson.Result) bool {
			if i > 0 {
				b.WriteByte(',')
			}
			i++
			writeLastWins(b, val)
			return true
		})
		b.WriteByte(']')
	default:
		b.WriteString(v.Raw)
	}
}
