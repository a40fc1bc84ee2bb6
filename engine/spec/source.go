package spec

import (
	"strconv"
	"strings"
)

// Source maps field paths of a loaded spec to their position in the file.
//
// A path is dotted, with list indexes in brackets and map keys that hold
// ".", "[", "]" or quotes written as quoted brackets:
// resources[2].endpoint.paginator.type, client.headers.X-Api-Version,
// resources[0].columns["a.b"].data_type. The empty path is the document.
type Source struct {
	values map[string]position // position of the value node at each path
	keys   map[string]position // position of the key of each mapping entry
}

type position struct{ line, col int }

func newSource() *Source {
	return &Source{values: map[string]position{}, keys: map[string]position{}}
}

// Pos returns the 1-based line and column of the node at path (dotted,
// e.g. "resources[2].endpoint.path"), or of its nearest ancestor present in
// the file; 0, 0 when s is nil.
func (s *Source) Pos(path string) (line, col int) {
	if s == nil {
		return 0, 0
	}
	for p := path; ; p = parentPath(p) {
		if v, ok := s.values[p]; ok {
			return v.line, v.col
		}
		if p == "" {
			return 0, 0
		}
	}
}

// KeyPos returns the position of the key of the mapping entry at path, so
// an error about the key itself (unknown or misplaced field) points at it;
// for list items and paths not in the file it falls back to Pos.
func (s *Source) KeyPos(path string) (line, col int) {
	if s == nil {
		return 0, 0
	}
	if k, ok := s.keys[path]; ok {
		return k.line, k.col
	}
	return s.Pos(path)
}

// Has reports whether path is written in the file.
func (s *Source) Has(path string) bool {
	if s == nil {
		return false
	}
	_, ok := s.values[path]
	return ok
}

// Pos returns the position of path in the spec's file (see Source.Pos);
// 0, 0 for specs built in code.
func (s *Spec) Pos(path string) (line, col int) {
	return s.Source.Pos(path)
}

// forget drops the positions at path and below it, so a mapping entry
// that overrides one merged from a YAML alias leaves no stale positions.
func (s *Source) forget(path string) {
	for _, m := range []map[string]position{s.values, s.keys} {
		for p := range m {
			if p == path || strings.HasPrefix(p, path) && isChildSep(p[len(path)]) {
				delete(m, p)
			}
		}
	}
}

func isChildSep(c byte) bool { return c == '.' || c == '[' }

// joinKey appends a map key to a path.
func joinKey(parent, key string) string {
	if key == "" || strings.ContainsAny(key, `.[]"' `) {
		return parent + "[" + strconv.Quote(key) + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// joinIndex appends a list index to a path.
func joinIndex(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// parentPath strips the last segment of a path; "" has no parent and
// returns "".
func parentPath(p string) string {
	last := 0 // start of the last segment
	for i := 0; i < len(p); {
		switch p[i] {
		case '.':
			last = i
			i++
		case '[':
			last = i
			if i+1 < len(p) && p[i+1] == '"' {
				q, err := strconv.QuotedPrefix(p[i+1:])
				if err != nil {
					return p[:i]
				}
				i += 1 + len(q)
			}
			if j := strings.IndexByte(p[i:], ']'); j >= 0 {
				i += j + 1
			} else {
				i = len(p)
			}
		default:
			i++
		}
	}
	return p[:last]
}
