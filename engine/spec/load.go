package spec

// Loading a spec runs four named steps; each step's errors stop the
// later ones, because a later step cannot say anything sensible about a
// document the earlier one rejected:
//
//  1. parseYAML: goccy/go-yaml parses the text into an AST, which is
//     converted into JSON-compatible values while the line and column of
//     every node is recorded in a Source. Syntax errors are positioned.
//  2. validateSchema: the values are checked against the embedded JSON
//     Schema (schemas/spec.schema.json). Each failure's JSON pointer is
//     mapped to a dotted path and a position, and its message rewritten
//     for people: unknown fields with a "did you mean", unknown values with
//     the allowed ones, and for union types (auth, paginator) only the
//     errors of the kind named by "type".
//  3. decodeSpec: the values are decoded strictly (unknown fields are
//     errors) into Spec, through the custom unmarshalers for the short
//     forms (string resources, bare paginators, scalar vars and params).
//  4. checkSemantics: what a schema cannot say: unique names, placeholders
//     that parse and name declared vars and existing parents, one parent
//     per resource, no parent or variable cycles, incremental placeholders
//     only with incremental.
//
// The result is exactly what the user wrote: no defaults are applied here
// (engine/plan does that), and secrets are not looked up (the caller does,
// with the environment at hand).

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pipe-etl/pipe/engine/schema"
)

// Load parses, validates and decodes a spec file. file names the spec in
// error messages; data is its text. On failure the error is an Errors
// holding every problem found, sorted by position, each a *Error reading
// file:line:col: path: message.
func Load(file string, data []byte) (*Spec, error) {
	doc, src, errs := parseYAML(file, data)
	if len(errs) > 0 {
		return nil, sorted(errs)
	}
	if errs := validateSchema(file, doc, src); len(errs) > 0 {
		return nil, sorted(errs)
	}
	s, errs := decodeSpec(file, doc, src)
	if len(errs) > 0 {
		return nil, sorted(errs)
	}
	if errs := checkSemantics(s); len(errs) > 0 {
		return nil, sorted(errs)
	}
	return s, nil
}

func sorted(errs Errors) Errors {
	errs.Sort()
	return errs
}

// decodeSpec decodes validated values strictly into a Spec. The schema
// matches the structs, so a failure here is a value the schema lets
// through but a Go type refuses.
func decodeSpec(file string, doc any, src *Source) (*Spec, Errors) {
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, Errors{{File: file, Msg: fmt.Sprintf("encode: %v", err)}}
	}
	s := &Spec{File: file, Source: src}
	if err := strictDecode(b, s); err != nil {
		e := &Error{File: file, Msg: err.Error()}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			e.Path = te.Field
			e.Msg = fmt.Sprintf("want %s, got %s", te.Type, te.Value)
		}
		e.Line, e.Col = src.Pos(e.Path)
		return nil, Errors{e}
	}
	s.File, s.Source = file, src
	if s.Name == "" {
		s.Name = nameFromFile(file)
	}
	return s, nil
}

// nameFromFile is the spec name of a spec without one (dlt configs have
// none): its file name without directory and extension, in snake_case.
func nameFromFile(file string) string {
	base := filepath.Base(file)
	return schema.SnakeCase(strings.TrimSuffix(base, filepath.Ext(base)))
}
