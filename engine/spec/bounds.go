package spec

import "fmt"

// Bounds on what a spec may make the loader and the planner do, so that
// no input hangs `pipe validate` or exhausts memory in `pipe run`. Real
// specs are a few kilobytes, nest a dozen levels and use variables of a
// few dozen bytes; these limits are far above that.
const (
	// MaxSpecBytes is the largest spec file loaded.
	MaxSpecBytes = 1 << 20
	// MaxDepth is how deeply collections may nest: YAML's parser takes
	// time quadratic in the depth of flow collections ([[[...) and
	// compact sequences (- - - ...).
	MaxDepth = 64
	// MaxVarLen is the longest value a variable may expand to, and
	// MaxVarDepth the longest chain of variables referencing variables.
	MaxVarLen   = 64 << 10
	MaxVarDepth = 16
)

// checkBounds rejects, before parsing, a file larger than MaxSpecBytes or
// whose flow collections or compact sequences nest deeper than MaxDepth,
// at the position where the limit is crossed. It reads the text as YAML's
// lexer would only as far as needed: quoted scalars and comments do not
// count, a bracket inside a plain scalar does (an overestimate that real
// specs never come near).
func checkBounds(file string, data []byte) *Error {
	if len(data) > MaxSpecBytes {
		return &Error{File: file, Line: 1, Col: 1, Msg: fmt.Sprintf("spec too large (%d bytes; at most %d)", len(data), MaxSpecBytes)}
	}
	line, col := 1, 0
	depth := 0  // open flow collections
	dashes := 0 // compact "- " entries since the line's indentation
	lineStart := true
	var quote byte // the open quote, or 0
	prev := byte('\n')
	for i := 0; i < len(data); i++ {
		ch := data[i]
		col++
		if ch == '\n' {
			line, col, lineStart, dashes, prev = line+1, 0, true, 0, ch
			continue
		}
		switch {
		case quote == '"':
			if ch == '\\' {
				i++
				col++
			} else if ch == '"' {
				quote = 0
			}
		case quote == '\'':
			if ch == '\'' {
				quote = 0
			}
		case ch == '#' && (prev == ' ' || prev == '\t' || prev == '\n'):
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case (ch == '"' || ch == '\'') && isTokenStart(prev):
			quote = ch
		case ch == '[' || ch == '{':
			if depth++; depth > MaxDepth {
				return &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf("collections nested deeper than %d levels", MaxDepth)}
			}
		case ch == ']' || ch == '}':
			depth = max(depth-1, 0)
		case ch == '-' && lineStart && (i+1 == len(data) || data[i+1] == ' ' || data[i+1] == '\n'):
			if dashes++; dashes > MaxDepth {
				return &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf("sequences nested deeper than %d levels", MaxDepth)}
			}
		case ch == ' ' || ch == '\t':
		default:
			lineStart = false
		}
		prev = ch
	}
	return nil
}

// isTokenStart reports whether a quote after prev opens a quoted scalar
// (it' s in "it's" does not).
func isTokenStart(prev byte) bool {
	switch prev {
	case ' ', '\t', '\n', '[', '{', ',', ':', '-', '?':
		return true
	}
	return false
}

// checkVarSizes reports each variable whose default expands, through the
// defaults of the variables it references, to more than MaxVarLen bytes
// or through a chain of more than MaxVarDepth variables: a few lines of
// doubling variables would otherwise expand to gigabytes when planned.
// Only the first variable of a chain to cross a limit is reported.
// Cycles were reported by checkVarCycles, which ran first.
func (c *checker) checkVarSizes() {
	type size struct {
		n, depth  int
		inherited bool // a referenced variable crossed a limit
	}
	over := func(s size) bool { return s.n > MaxVarLen || s.depth > MaxVarDepth }
	memo := map[string]size{}
	var measure func(name string) size
	measure = func(name string) size {
		if s, ok := memo[name]; ok {
			return s
		}
		memo[name] = size{} // a cycle, reported elsewhere, measures 0
		v, ok := c.s.Vars[name]
		if !ok {
			return size{}
		}
		var texts []string
		if v.Default != nil {
			texts = append(texts, *v.Default)
		}
		for _, k := range sortedKeys(v.Defaults) {
			texts = append(texts, v.Defaults[k])
		}
		var out size
		for _, text := range texts {
			t, err := ParseTemplate(text)
			if err != nil {
				continue // reported by checkVars
			}
			var s size
			for _, p := range t {
				if !p.IsPlaceholder() {
					s.n += len(p.Literal)
				} else if p.Namespace == NSVars {
					r := measure(p.Name)
					s.n += r.n
					s.depth = max(s.depth, r.depth+1)
					s.inherited = s.inherited || over(r)
				}
				s.n = min(s.n, MaxVarLen+1) // no overflow, however deep the doubling
			}
			out.n, out.depth, out.inherited = max(out.n, s.n), max(out.depth, s.depth), out.inherited || s.inherited
		}
		memo[name] = out
		return out
	}
	for _, name := range c.varNames() {
		s := measure(name)
		path := joinKey(joinKey("vars", name), "default")
		if c.s.Vars[name].Default == nil {
			path = joinKey(joinKey("vars", name), "defaults")
		}
		switch {
		case s.inherited:
		case s.n > MaxVarLen:
			c.errorf(path, "expands to more than %d bytes", MaxVarLen)
		case s.depth > MaxVarDepth:
			c.errorf(path, "expands through more than %d levels of variables", MaxVarDepth)
		}
	}
}
