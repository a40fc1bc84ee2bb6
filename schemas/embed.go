// Package schemas holds the JSON Schema of pipe spec files, the one
// reference for validation, documentation and editor completion.
package schemas

import _ "embed"

// SpecJSON is schemas/spec.schema.json: the JSON Schema (draft-07) that
// every spec file must satisfy. Editors use it through
// "# yaml-language-server: $schema=../schemas/spec.schema.json".
//
//go:embed spec.schema.json
var SpecJSON []byte
