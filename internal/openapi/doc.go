// Package openapi turns an OpenAPI document (Swagger 2.0, OpenAPI 3.0 or
// 3.1) into a pipe spec: one resource per list-returning GET operation,
// with parents, params, data selector, primary key, paginator and auth
// inferred from the document, and a YAML comment on every guess. It also
// lists the tables and columns a response schema promises (pipe plan
// --openapi).
//
// Documents are read with github.com/pb33f/libopenapi, which parses all
// three versions natively (kin-openapi reads 2.0 only through a
// conversion) and builds Okta's or Snyk's 4 MB documents in seconds. The
// rest of the package works on its own small model (Doc, Operation,
// Schema), so the two high-level models of libopenapi meet in one place.
package openapi
