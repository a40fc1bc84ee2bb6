package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Settings are the named settings of a compiled paginator, auth or
// incremental block, in the order pipe plan prints them. They marshal as
// one JSON object whose keys keep that order; pipe plan --json prints
// them so.
type Settings []Setting

// Setting is one named setting and its value as it will be used.
type Setting struct {
	Name  string
	Value any
	// quote prints a text value quoted in pipe plan's text.
	quote bool
}

// MarshalJSON writes s as a JSON object, keys in order; nil as null.
func (s Settings) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("null"), nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(e.Name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(e.Value)
		if err != nil {
			return nil, fmt.Errorf("setting %s: %w", e.Name, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// add appends a setting as it is.
func (s *Settings) add(name string, v any) {
	*s = append(*s, Setting{Name: name, Value: v})
}

// opt appends a text setting unless it is empty (not set).
func (s *Settings) opt(name, v string) {
	if v != "" {
		s.add(name, v)
	}
}

// optQuoted is opt for text that pipe plan's text prints quoted.
func (s *Settings) optQuoted(name, v string) {
	if v != "" {
		*s = append(*s, Setting{Name: name, Value: v, quote: true})
	}
}

// optInt appends a number setting unless it is 0 or less (not set).
func (s *Settings) optInt(name string, v int) {
	if v > 0 {
		s.add(name, v)
	}
}

// cred appends a credential as hideCredential shows it, unless it is
// empty.
func (s *Settings) cred(name, v string) {
	if v != "" {
		s.optQuoted(name, hideCredential(v))
	}
}

// text renders s after its first setting (the type) as "name value, ...".
func (s Settings) text() string {
	parts := make([]string, 0, len(s))
	for _, e := range s {
		parts = append(parts, e.Name+" "+valueText(e.Value, e.quote))
	}
	return strings.Join(parts, ", ")
}

func valueText(v any, quote bool) string {
	switch x := v.(type) {
	case string:
		if quote {
			return fmt.Sprintf("%q", x)
		}
		return x
	case []string:
		return strings.Join(x, " ")
	case nil:
		return "null" // a JSON null of a body, as the request sends it
	case Settings:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = e.Name + ": " + valueText(e.Value, true)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// placeholder matches a {namespace.name} placeholder of compiled text.
var placeholder = regexp.MustCompile(`\{[a-z_]+\.[^{}]*\}`)

// schemeWord is what may stand beside a {secrets.*} placeholder in a
// credential and still be shown: an authorization scheme such as
// "token " or "Bearer ", and separators.
var schemeWord = regexp.MustCompile(`^[A-Za-z][A-Za-z-]{0,23}[ :=]*$|^[ :]*$`)

// hideCredential returns a credential as pipe plan may print it: its
// {secrets.*} placeholders, with an authorization scheme word around
// them ("token {secrets.snyk_token}"). Anything else — a credential
// written in the spec, or text mixed into one beside a placeholder —
// prints as ***, never its value.
func hideCredential(v string) string {
	if !strings.Contains(v, "{secrets.") {
		return redacted
	}
	for _, lit := range placeholder.Split(v, -1) {
		if !schemeWord.MatchString(lit) {
			return redacted
		}
	}
	return v
}

const redacted = "***"

// plainFields are names of form and token request fields that never hold
// a credential; every other field of such a body is shown only as its
// {secrets.*} placeholder, else as ***.
var plainFields = map[string]bool{
	"grant_type": true, "scope": true, "scopes": true, "audience": true, "resource": true,
	"username": true, "user": true, "email": true, "login": true,
	"client_id": true, "account_id": true, "tenant": true, "tenant_id": true, "org_id": true, "realm": true,
}

// fieldValue is a body field's value as pipe plan may print it.
func fieldValue(name, v string) string {
	if plainFields[strings.ToLower(name)] {
		return v
	}
	return hideCredential(v)
}
