package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// StringList is a list of strings that may be written as a single string.
type StringList []string

// UnmarshalJSON accepts "a" or ["a", "b"].
func (l *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings")
	}
	*l = many
	return nil
}

// Duration is a time.Duration written as a Go duration string ("30s",
// "1m30s") or a number of seconds.
type Duration time.Duration

// UnmarshalJSON accepts "1m30s" or 90.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("invalid duration %q (want e.g. 30s, 5m, 1h)", s)
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("want a duration such as 30s or a number of seconds")
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON accepts a scalar (the default value) or a mapping. As in
// the scalar form, a default or enum value written as a number or boolean
// is kept as its text.
func (v *Var) UnmarshalJSON(b []byte) error {
	if s, ok := scalarString(b); ok {
		v.Default = &s
		return nil
	}
	var raw struct {
		Default     json.RawMessage            `json:"default"`
		Enum        []json.RawMessage          `json:"enum"`
		Description string                     `json:"description"`
		DefaultFrom string                     `json:"default_from"`
		Defaults    map[string]json.RawMessage `json:"defaults"`
		List        bool                       `json:"list"`
	}
	if err := strictDecode(b, &raw); err != nil {
		return err
	}
	*v = Var{Description: raw.Description, DefaultFrom: raw.DefaultFrom, List: raw.List}
	if items, ok := scalarList(raw.Default); ok {
		if !raw.List {
			return fmt.Errorf("default: a list needs list: true")
		}
		joined := strings.Join(items, ",")
		v.Default = &joined
		raw.Default = nil
	}
	for k, d := range raw.Defaults {
		s, ok := scalarString(d)
		if !ok {
			return fmt.Errorf("defaults.%s: want a string, number or boolean", k)
		}
		if v.Defaults == nil {
			v.Defaults = map[string]string{}
		}
		v.Defaults[k] = s
	}
	if len(raw.Default) > 0 && string(raw.Default) != "null" {
		s, ok := scalarString(raw.Default)
		if !ok {
			return fmt.Errorf("default: want a string, number or boolean")
		}
		v.Default = &s
	}
	for _, e := range raw.Enum {
		s, ok := scalarString(e)
		if !ok {
			return fmt.Errorf("enum: want strings, numbers or booleans")
		}
		v.Enum = append(v.Enum, s)
	}
	return nil
}

// UnmarshalJSON accepts a scalar template, {type: resolve, ...} or
// {type: incremental, ...}.
func (p *Param) UnmarshalJSON(b []byte) error {
	if s, ok := scalarString(b); ok {
		p.Value = s
		return nil
	}
	var kind struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &kind); err != nil {
		return err
	}
	if kind.Type == "incremental" {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			return err
		}
		delete(fields, "type")
		rest, err := json.Marshal(fields)
		if err != nil {
			return err
		}
		var inc Incremental
		if err := json.Unmarshal(rest, &inc); err != nil {
			return err
		}
		p.Incremental = &inc
		return nil
	}
	var r Resolve
	if err := strictDecode(b, &r); err != nil {
		return err
	}
	p.Resolve = &r
	return nil
}

// incrementalParam is the mapping of dlt's {type: incremental, ...} param.
type incrementalParam struct {
	Type string `json:"type"`
	Incremental
}

// MarshalJSON writes the scalar or the mapping.
func (p Param) MarshalJSON() ([]byte, error) {
	switch {
	case p.Resolve != nil:
		return json.Marshal(p.Resolve)
	case p.Incremental != nil:
		return json.Marshal(incrementalParam{Type: "incremental", Incremental: *p.Incremental})
	}
	return json.Marshal(p.Value)
}

// UnmarshalJSON decodes strictly and notes numeric initial or end values.
func (i *Incremental) UnmarshalJSON(b []byte) error {
	type plain Incremental
	if err := strictDecode(b, (*plain)(i)); err != nil {
		return err
	}
	var raw struct {
		Initial json.RawMessage `json:"initial_value"`
		End     json.RawMessage `json:"end_value"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	i.Numeric = isNumber(raw.Initial) || isNumber(raw.End)
	return nil
}

// UnmarshalJSON accepts a string or a number (kept as its literal).
func (v *CursorValue) UnmarshalJSON(b []byte) error {
	if isNumber(b) {
		*v = CursorValue(bytes.TrimSpace(b))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a string or a number")
	}
	*v = CursorValue(s)
	return nil
}

// isNumber reports whether b is a JSON number.
func isNumber(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '-' && (b[0] < '0' || b[0] > '9') {
		return false
	}
	var n json.Number
	return json.Unmarshal(b, &n) == nil
}

// UnmarshalJSON accepts a path (dlt's short form) or a mapping.
func (e *Endpoint) UnmarshalJSON(b []byte) error {
	var path string
	if err := json.Unmarshal(b, &path); err == nil {
		*e = Endpoint{Path: path}
		return nil
	}
	type plain Endpoint
	aux := struct {
		*plain
		Data json.RawMessage `json:"data,omitempty"`
	}{plain: (*plain)(e)}
	if err := strictDecode(b, &aux); err != nil {
		return err
	}
	if len(aux.Data) == 0 || string(aux.Data) == "null" {
		return nil
	}
	if err := json.Unmarshal(aux.Data, &e.RawData); err == nil {
		return nil
	}
	return strictDecode(aux.Data, &e.Data)
}

// UnmarshalJSON accepts "name" (name and path) or a mapping.
func (r *Resource) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		*r = Resource{Name: name, Endpoint: &Endpoint{Path: name}}
		return nil
	}
	type plain Resource
	return strictDecode(b, (*plain)(r))
}

// UnmarshalJSON accepts the name of an entry of auths, or an auth block.
func (a *Auth) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		*a = Auth{Use: name}
		return nil
	}
	type plain Auth
	return strictDecode(b, (*plain)(a))
}

// UnmarshalJSON accepts one mode for all three parts, or a mapping.
func (c *SchemaContract) UnmarshalJSON(b []byte) error {
	var mode string
	if err := json.Unmarshal(b, &mode); err == nil {
		*c = SchemaContract{Tables: mode, Columns: mode, DataType: mode}
		return nil
	}
	type plain SchemaContract
	return strictDecode(b, (*plain)(c))
}

// scalarList returns a JSON array of scalars as text items.
func scalarList(b []byte) ([]string, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '[' {
		return nil, false
	}
	var raw []json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return nil, false
	}
	items := make([]string, 0, len(raw))
	for _, r := range raw {
		s, ok := scalarString(r)
		if !ok {
			return nil, false
		}
		items = append(items, s)
	}
	return items, true
}

// scalarString returns a JSON string, number or boolean as its text.
func scalarString(b []byte) (string, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", false
	}
	switch b[0] {
	case '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			return s, true
		}
	case 't', 'f':
		if v, err := strconv.ParseBool(string(b)); err == nil {
			return strconv.FormatBool(v), true
		}
	case '{', '[', 'n':
		return "", false
	default:
		var n json.Number
		if json.Unmarshal(b, &n) == nil {
			return n.String(), true
		}
	}
	return "", false
}

// strictDecode decodes JSON refusing unknown fields.
func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	return dec.Decode(v)
}

// Disposition is a write_disposition: append, replace or merge. dlt's
// mapping form {disposition: merge, strategy: upsert} is read as its
// disposition; the schema admits only the strategies whose result
// pipe's disposition gives (merge: upsert, delete-insert; replace: all
// three of dlt's).
type Disposition string

// UnmarshalJSON reads a disposition or dlt's mapping form.
func (d *Disposition) UnmarshalJSON(b []byte) error {
	if s, ok := scalarString(b); ok {
		*d = Disposition(s)
		return nil
	}
	var m struct {
		Disposition string `json:"disposition"`
		Strategy    string `json:"strategy"`
	}
	if err := strictDecode(b, &m); err != nil {
		return err
	}
	*d = Disposition(m.Disposition)
	return nil
}
