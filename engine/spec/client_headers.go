package spec

import "strings"

// ClientHeader parses a client header value. dlt sends client headers as
// written, so only {vars.*} and {secrets.*} are placeholders there; any
// other text in braces ({resources.*} and {incremental.*} have no resource
// at client level, {account.id} no namespace) is sent literally and
// returned in literal, for a warning. "{{" and "}}" are sent as written
// too, as dlt sends them (test_client_headers_are_not_interpolated), and
// returned in literal: elsewhere they escape a brace.
func ClientHeader(s string) (t Template, literal []string) {
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t = append(t, Part{Literal: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "{{"), strings.HasPrefix(s[i:], "}}"):
			lit.WriteString(s[i : i+2])
			literal = append(literal, s[i:i+2])
			i += 2
			continue
		case s[i] != '{':
			lit.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			lit.WriteString(s[i:])
			break
		}
		piece := s[i : i+end+1]
		i += end + 1
		pt, err := ParseTemplate(piece)
		if p, ok := pt.Single(); err == nil && ok && (p.Namespace == NSVars || p.Namespace == NSSecrets) {
			flush()
			t = append(t, p)
			continue
		}
		if err != nil || len(pt.Placeholders()) > 0 {
			literal = append(literal, piece)
		}
		lit.WriteString(piece)
	}
	flush()
	return t, literal
}

// HeaderName unescapes "{{" and "}}" in a header name, as in a value.
func HeaderName(name string) string {
	return strings.NewReplacer("{{", "{", "}}", "}").Replace(name)
}

// ValidHeaderName reports whether name (unescaped) is an HTTP field name,
// an RFC 9110 token: net/http refuses any other, where dlt's requests
// would send it.
func ValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}
