package spec

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// explain turns a schema problem into positioned errors that say what is
// wrong in the user's words: unknown field, unknown value, missing field,
// wrong type.
func (v *validator) explain(p problem) []*Error {
	path := v.path(p.at)
	at := func(msg string) []*Error {
		line, col := v.src.Pos(path)
		return []*Error{{Line: line, Col: col, Path: path, Msg: msg}}
	}
	if p.human {
		return at(p.msg)
	}
	val := v.value(p.at)
	node := v.schemaAt(p.schema)
	parent := v.schemaParent(p.schema)
	switch p.keyword {
	case "additionalProperties":
		return v.unknownFields(path, val, parent)
	case "required":
		return v.missingFields(path, val, parent)
	case "enum":
		allowed, _ := node.([]any)
		return at(unknownValue(val, allowed))
	case "const":
		return at(unknownValue(val, []any{node}))
	case "type":
		return at(wantType(schemaTypes(node), val))
	case "minItems":
		return at(fmt.Sprintf("want at least %v %s", node, plural(node, "item")))
	case "minLength":
		if fmt.Sprint(node) == "1" {
			return at("must not be empty")
		}
		return at(fmt.Sprintf("want at least %v characters", node))
	case "minimum":
		return at(fmt.Sprintf("want a number >= %v, got %v", node, val))
	case "exclusiveMinimum":
		return at(fmt.Sprintf("want a number > %v, got %v", node, val))
	case "maximum":
		return at(fmt.Sprintf("want a number <= %v, got %v", node, val))
	case "minProperties", "maxProperties":
		msg := "want exactly one of " + strings.Join(propertyNames(parent), ", ")
		if m, ok := val.(map[string]any); ok && len(m) > 0 {
			msg += " (got " + strings.Join(sortedKeys(m), ", ") + ")"
		}
		return at(msg)
	case "pattern":
		want := "want text matching " + fmt.Sprint(node)
		if d, ok := parent["description"].(string); ok && d != "" {
			want = "want " + strings.ToLower(d[:1]) + strings.TrimSuffix(d[1:], ".")
		}
		if strings.Contains(p.schema, "/propertyNames/") {
			line, col := v.src.KeyPos(path)
			name := path[len(parentPath(path)):]
			if tok := pointerTokens(p.at); len(tok) > 0 {
				name = tok[len(tok)-1]
			}
			return []*Error{{Line: line, Col: col, Path: path, Msg: fmt.Sprintf("invalid name %q (%s)", name, want)}}
		}
		return at(fmt.Sprintf("invalid value %s (%s)", show(val), want))
	}
	return at(p.msg)
}

// unknownFields reports each key of obj that schema does not declare, at
// the key, with a suggestion when the key looks like a typo.
func (v *validator) unknownFields(path string, obj any, schema map[string]any) []*Error {
	m, ok := obj.(map[string]any)
	if !ok {
		return nil
	}
	allowed := propertyNames(schema)
	known := map[string]bool{}
	for _, a := range allowed {
		known[a] = true
	}
	kind := discriminator(schema)
	var out []*Error
	for _, k := range sortedKeys(m) {
		if known[k] {
			continue
		}
		p := joinKey(path, k)
		line, col := v.src.KeyPos(p)
		msg := unknownField(k, allowed, kind)
		if h := loginFieldHint(kind, k); h != "" {
			msg = h
		}
		out = append(out, &Error{Line: line, Col: col, Path: p, Msg: msg})
	}
	return out
}

// missingFields reports each required field obj lacks, at obj.
func (v *validator) missingFields(path string, obj any, schema map[string]any) []*Error {
	m, ok := obj.(map[string]any)
	if !ok {
		return nil
	}
	req, _ := schema["required"].([]any)
	line, col := v.src.Pos(path)
	var out []*Error
	for _, r := range req {
		name := fmt.Sprint(r)
		if _, has := m[name]; !has {
			out = append(out, &Error{Line: line, Col: col, Path: path, Msg: fmt.Sprintf("missing required field %q", name)})
		}
	}
	return out
}

// discriminator is the "type" constant of a union branch, or "".
func discriminator(schema map[string]any) string {
	props, _ := schema["properties"].(map[string]any)
	t, _ := props["type"].(map[string]any)
	if c, ok := t["const"].(string); ok {
		return c
	}
	return ""
}

func unknownField(name string, allowed []string, kind string) string {
	if s := suggest(name, allowed); s != "" {
		return fmt.Sprintf("unknown field %q (did you mean %q?)", name, s)
	}
	if kind == "" {
		return fmt.Sprintf("unknown field %q (want one of %s)", name, strings.Join(allowed, ", "))
	}
	var fields []string
	for _, a := range allowed {
		if a != "type" {
			fields = append(fields, a)
		}
	}
	if len(fields) == 0 {
		return fmt.Sprintf("unknown field %q (type %s takes no other fields)", name, kind)
	}
	return fmt.Sprintf("unknown field %q for type %s (want one of %s)", name, kind, strings.Join(fields, ", "))
}

func unknownValue(val any, allowed []any) string {
	words := make([]string, len(allowed))
	for i, a := range allowed {
		words[i] = fmt.Sprint(a)
	}
	if len(words) == 1 {
		return fmt.Sprintf("unknown value %s (want %s)", show(val), words[0])
	}
	return fmt.Sprintf("unknown value %s (want one of %s)", show(val), strings.Join(words, ", "))
}

// wantType says which JSON types were wanted and which one was found, in
// YAML words.
func wantType(types []string, val any) string {
	words := make([]string, len(types))
	wantsString := false
	for i, t := range types {
		words[i] = typeWord(t)
		wantsString = wantsString || t == "string"
	}
	got := typeWord(jsonType(val))
	msg := fmt.Sprintf("want %s, got %s", joinOr(words), got)
	switch val.(type) {
	case json.Number, bool:
		if wantsString {
			msg += " (quote it to make it text)"
		}
	case nil:
		// dlt configs write None to unset a setting (test_resource_schema).
		msg += " (null is dlt's None, which pipe does not read: leave the field out, which inherits resource_defaults', or write a value)"
	}
	return msg
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func typeWord(t string) string {
	switch t {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "string":
		return "a string"
	case "integer":
		return "an integer"
	case "number":
		return "a number"
	case "boolean":
		return "a boolean"
	case "null":
		return "nothing"
	}
	return t
}

func joinOr(words []string) string {
	switch len(words) {
	case 0:
		return "nothing"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// show writes a value as it would be quoted in a message.
func show(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case nil:
		return "null"
	case map[string]any:
		return "(a mapping)"
	case []any:
		return "(a list)"
	}
	return fmt.Sprint(v)
}

func plural(n any, word string) string {
	if fmt.Sprint(n) == "1" {
		return word
	}
	return word + "s"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
