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

// repeatsKey reports whether an object in v holds a key twice.
func repeatsKey(v gjson.Result) bool {
	found := false
	switch {
	case v.IsObject():
		// Most objects have a few keys: compared in a small array on the
		// stack, a map only past it. This runs for every JSON value a row
		// holds.
		var small [16]string
		seen, n := small[:0], 0
		var many map[string]bool
		v.ForEach(func(k, val gjson.Result) bool {
			dup := many[k.Str]
			for _, s := range seen {
				dup = dup || s == k.Str
			}
			if dup || repeatsKey(val) {
				found = true
				return false
			}
			if n++; n <= len(small) {
				seen = append(seen, k.Str)
			} else {
				if many == nil {
					many = map[string]bool{}
				}
				many[k.Str] = true
			}
			return true
		})
	case v.IsArray():
		v.ForEach(func(_, val gjson.Result) bool {
			found = repeatsKey(val)
			return !found
		})
	}
	return found
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
