package spec

import (
	"fmt"
	"strings"
)

// Placeholder namespaces. A placeholder is written {ns.name} or, for
// resources, {resources.PARENT.FIELD} where FIELD is a gjson path.
const (
	NSVars        = "vars"
	NSSecrets     = "secrets"
	NSResources   = "resources"
	NSIncremental = "incremental"
	// NSPaginator holds the values of the resource's paginator
	// ({paginator.offset}, {paginator.limit}, {paginator.page}), filled
	// for each page in the text of params, headers and bodies.
	NSPaginator = "paginator"
)

// Part is a piece of a Template: literal text or a placeholder.
type Part struct {
	Literal string
	// Namespace and Name are set for a placeholder. For resources, Name is
	// the parent resource and Field the gjson path in its records.
	Namespace string
	Name      string
	Field     string
}

// IsPlaceholder reports whether the part is a placeholder.
func (p Part) IsPlaceholder() bool { return p.Namespace != "" }

// String writes the part back as it appears in a spec.
func (p Part) String() string {
	switch {
	case !p.IsPlaceholder():
		return p.Literal
	case p.Field != "":
		return "{" + p.Namespace + "." + p.Name + "." + p.Field + "}"
	default:
		return "{" + p.Namespace + "." + p.Name + "}"
	}
}

// Template is a string with placeholders, parsed once.
type Template []Part

// ParseTemplate splits s into literal text and placeholders. Text in braces
// that does not start with a known namespace followed by a dot is literal,
// so JSON-like text passes through. "{{" and "}}" escape a brace.
func ParseTemplate(s string) (Template, error) {
	var t Template
	var lit strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c == '{' && strings.HasPrefix(s[i:], "{{") {
			lit.WriteByte('{')
			i += 2
			continue
		}
		if c == '}' && strings.HasPrefix(s[i:], "}}") {
			lit.WriteByte('}')
			i += 2
			continue
		}
		if c != '{' {
			lit.WriteByte(c)
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			lit.WriteString(s[i:])
			break
		}
		body := s[i+1 : i+end]
		if strings.ContainsRune(body, '{') {
			// A placeholder holds no brace: this one opens literal text
			// (JSON such as {"q": "{vars.x}"}); look for one inside.
			lit.WriteByte('{')
			i++
			continue
		}
		ns, rest, ok := strings.Cut(body, ".")
		if !ok || !isNamespace(ns) {
			if ok && isIdent(ns) && !strings.ContainsAny(rest, " \"':") {
				if m := suggest(ns, namespaces); m != "" {
					return nil, fmt.Errorf("unknown placeholder namespace %q in {%s} (did you mean %q?)", ns, body, m)
				}
				return nil, fmt.Errorf("unknown placeholder namespace %q in {%s} (want one of vars, secrets, resources, incremental, paginator)", ns, body)
			}
			lit.WriteString(s[i : i+end+1])
			i += end + 1
			continue
		}
		p := Part{Namespace: ns, Name: rest}
		if ns == NSResources {
			name, field, ok := strings.Cut(rest, ".")
			if !ok || name == "" || field == "" {
				return nil, fmt.Errorf("placeholder {%s} wants {resources.PARENT.FIELD}", body)
			}
			p.Name, p.Field = name, field
		}
		if p.Name == "" {
			return nil, fmt.Errorf("placeholder {%s} has no name", body)
		}
		if lit.Len() > 0 {
			t = append(t, Part{Literal: lit.String()})
			lit.Reset()
		}
		t = append(t, p)
		i += end + 1
	}
	if lit.Len() > 0 {
		t = append(t, Part{Literal: lit.String()})
	}
	return t, nil
}

// Placeholders returns the placeholder parts of t.
func (t Template) Placeholders() []Part {
	var out []Part
	for _, p := range t {
		if p.IsPlaceholder() {
			out = append(out, p)
		}
	}
	return out
}

// Single returns the placeholder when t is exactly one placeholder and
// nothing else; a JSON body value written this way keeps its JSON type.
func (t Template) Single() (Part, bool) {
	if len(t) == 1 && t[0].IsPlaceholder() {
		return t[0], true
	}
	return Part{}, false
}

// Expand renders t, asking lookup for each placeholder's value.
func (t Template) Expand(lookup func(Part) (string, error)) (string, error) {
	if len(t) == 1 && !t[0].IsPlaceholder() {
		return t[0].Literal, nil
	}
	var b strings.Builder
	for _, p := range t {
		if !p.IsPlaceholder() {
			b.WriteString(p.Literal)
			continue
		}
		v, err := lookup(p)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// String writes t back as spec text.
func (t Template) String() string {
	var b strings.Builder
	for _, p := range t {
		b.WriteString(p.String())
	}
	return b.String()
}

var namespaces = []string{NSVars, NSSecrets, NSResources, NSIncremental, NSPaginator}

func isNamespace(s string) bool {
	switch s {
	case NSVars, NSSecrets, NSResources, NSIncremental, NSPaginator:
		return true
	}
	return false
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
