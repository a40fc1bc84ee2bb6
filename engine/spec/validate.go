package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/pipe-etl/pipe/schemas"
)

const schemaURL = "https://github.com/pipe-etl/pipe/schemas/spec.schema.json"

// specSchema is the embedded schema, compiled once; raw is the same schema
// as plain values, read to explain failures (allowed fields, enums).
var specSchema = sync.OnceValues(func() (*jsonschema.Schema, any) {
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, bytes.NewReader(schemas.SpecJSON)); err != nil {
		panic(fmt.Sprintf("spec: embedded schema: %v", err))
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		panic(fmt.Sprintf("spec: embedded schema: %v", err))
	}
	var raw any
	if err := json.Unmarshal(schemas.SpecJSON, &raw); err != nil {
		panic(fmt.Sprintf("spec: embedded schema: %v", err))
	}
	return s, raw
})

// problem is one schema failure, before it is made human.
type problem struct {
	at      string // JSON pointer of the instance
	keyword string // the schema keyword that failed, e.g. "enum"
	schema  string // JSON pointer of the keyword in the schema
	msg     string // the library's message, or ours when human is set
	human   bool
}

// validator explains why a document fails the schema.
type validator struct {
	doc any
	raw any
	src *Source
}

// validateSchema checks doc against the embedded schema and returns one
// positioned Error per problem.
func validateSchema(file string, doc any, src *Source) Errors {
	s, raw := specSchema()
	err := s.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return Errors{{File: file, Msg: fmt.Sprintf("schema validation: %v", err)}}
	}
	v := &validator{doc: doc, raw: raw, src: src}
	var out Errors
	seen := map[string]bool{}
	for _, p := range v.leaves(ve) {
		for _, e := range v.explain(p) {
			e.File = file
			if k := e.Path + "\x00" + e.Msg; !seen[k] {
				seen[k] = true
				out = append(out, e)
			}
		}
	}
	return out
}

// leaves flattens a validation error tree into the failures worth
// reporting; a oneOf failure reports only the branch the value was meant
// for.
func (v *validator) leaves(ve *jsonschema.ValidationError) []problem {
	if keyword(ve.KeywordLocation) == "oneOf" && len(ve.Causes) > 0 {
		return v.oneOf(ve)
	}
	if len(ve.Causes) == 0 {
		return []problem{{
			at:      ve.InstanceLocation,
			keyword: keyword(ve.KeywordLocation),
			schema:  fragment(ve.AbsoluteKeywordLocation),
			msg:     ve.Message,
		}}
	}
	var out []problem
	for _, c := range ve.Causes {
		out = append(out, v.leaves(c)...)
	}
	return out
}

// oneOf picks the branch of a union the value was written for: first by
// JSON type (a string cannot be meant for a mapping branch), then by the
// value of its "type" field.
func (v *validator) oneOf(ve *jsonschema.ValidationError) []problem {
	at := ve.InstanceLocation
	var branches [][]problem
	var types []string
	for _, c := range ve.Causes {
		ps := v.leaves(c)
		if t, ok := v.typeMismatch(ps, at); ok {
			types = append(types, t...)
			continue
		}
		branches = append(branches, ps)
	}
	switch len(branches) {
	case 0:
		return []problem{{at: at, human: true, msg: wantType(dedupe(types), v.value(at))}}
	case 1:
		return branches[0]
	}
	obj, ok := v.value(at).(map[string]any)
	if !ok {
		return flatten(branches)
	}
	disc := at + "/type"
	var matched [][]problem
	var kinds []any
	for _, ps := range branches {
		bad := false
		for _, p := range ps {
			if p.at == disc {
				bad = true
			}
			if p.keyword == "const" && p.at == disc {
				kinds = append(kinds, v.schemaAt(p.schema))
			}
		}
		if !bad {
			matched = append(matched, ps)
		}
	}
	if len(matched) == 1 {
		return matched[0]
	}
	if len(kinds) == len(branches) {
		if t, has := obj["type"]; has {
			return []problem{{at: disc, human: true, msg: unknownValue(t, kinds)}}
		}
	}
	if _, has := obj["type"]; !has {
		return []problem{{at: at, human: true, msg: `missing required field "type"`}}
	}
	return flatten(branches)
}

// typeMismatch reports whether a branch failed only because the value has
// another JSON type, and which types the branch wanted.
func (v *validator) typeMismatch(ps []problem, at string) ([]string, bool) {
	for _, p := range ps {
		if p.keyword == "type" && p.at == at {
			return schemaTypes(v.schemaAt(p.schema)), true
		}
	}
	return nil, false
}

// schemaTypes reads the value of a "type" keyword.
func schemaTypes(t any) []string {
	switch t := t.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

func flatten(branches [][]problem) []problem {
	var out []problem
	for _, b := range branches {
		out = append(out, b...)
	}
	return out
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// value is the instance at a JSON pointer.
func (v *validator) value(ptr string) any {
	x, _, _ := lookup(v.doc, ptr)
	return x
}

// path is the dotted path of a JSON pointer into the instance.
func (v *validator) path(ptr string) string {
	_, p, _ := lookup(v.doc, ptr)
	return p
}

// schemaAt is the schema node at a JSON pointer into the schema.
func (v *validator) schemaAt(ptr string) any {
	x, _, _ := lookup(v.raw, ptr)
	return x
}

// schemaParent is the schema object holding the keyword at ptr.
func (v *validator) schemaParent(ptr string) map[string]any {
	m, _ := v.schemaAt(ptr[:max(strings.LastIndexByte(ptr, '/'), 0)]).(map[string]any)
	return m
}

// propertyNames lists the properties a schema object declares, by name.
func propertyNames(schema map[string]any) []string {
	props, _ := schema["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
