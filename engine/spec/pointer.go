package spec

import (
	"fmt"
	"net/url"
	"strings"
)

// JSON pointers: the schema library reports where a failure is in the
// instance and in the schema as pointers; these helpers read them.

// keyword is the last segment of a keyword location.
func keyword(loc string) string {
	return loc[strings.LastIndexByte(loc, '/')+1:]
}

// fragment is the JSON pointer part of an absolute keyword location.
func fragment(abs string) string {
	if i := strings.IndexByte(abs, '#'); i >= 0 {
		return abs[i+1:]
	}
	return ""
}

// pointerTokens splits a JSON pointer as the schema library writes it
// (percent-escaped, then ~0 and ~1).
func pointerTokens(ptr string) []string {
	if ptr == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil {
			p = u
		}
		parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(p)
	}
	return parts
}

// lookup follows a JSON pointer through plain values; it returns the
// value, its dotted path and whether it exists.
func lookup(root any, ptr string) (any, string, bool) {
	cur, path := root, ""
	for _, tok := range pointerTokens(ptr) {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			path = joinKey(path, tok)
			if !ok {
				return nil, path, false
			}
			cur = v
		case []any:
			var i int
			if _, err := fmt.Sscan(tok, &i); err != nil || i < 0 || i >= len(c) {
				return nil, path + "[" + tok + "]", false
			}
			cur, path = c[i], joinIndex(path, i)
		default:
			return nil, path, false
		}
	}
	return cur, path, true
}
