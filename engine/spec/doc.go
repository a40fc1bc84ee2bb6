// Package spec parses and validates pipe spec files.
//
// Loading runs as named steps: YAML is parsed into an AST that keeps line
// and column of every node; the document is validated against the embedded
// JSON Schema (schemas/spec.schema.json); it is decoded strictly into the
// typed structs of this package (unknown keys are errors); then semantic
// checks run (unique names, parents exist, no cycles, placeholders
// resolvable). All errors are collected, sorted by position and returned
// together as Errors, each reading file:line:col: path: message.
package spec
