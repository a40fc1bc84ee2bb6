package openapi

import (
	"net/url"
	"strings"

	"github.com/pipe-etl/pipe/internal/openapi/openapitest"
)

// NewFake builds a fake API that serves d's list operations from their
// response examples, or from values built from their schemas when a
// document has none, for running a generated spec end to end.
func NewFake(d *Doc) *openapitest.Fake {
	f := &openapitest.Fake{}
	if len(d.Servers) > 0 {
		if u, err := url.Parse(strings.NewReplacer("{", "", "}", "").Replace(d.Servers[0].URL)); err == nil {
			f.Prefix = strings.TrimSuffix(u.Path, "/")
		}
	}
	for _, op := range d.Ops {
		sel, _, _, ok := selectRecords(op.Response)
		if !ok {
			continue
		}
		body := op.Example
		if body == nil {
			body = Sample(op.Response)
		}
		f.Pages = append(f.Pages, openapitest.Page{Path: op.Path, Body: body, Selector: sel})
	}
	return f
}

// Sample builds a value that fits s: its examples where the document has
// them, else a value of each property's type; arrays hold two items.
func Sample(s *Schema) any {
	return sample(s, 0)
}

func sample(s *Schema, depth int) any {
	if s == nil || depth > 6 || s.Recursive {
		return nil
	}
	if s.Example != nil {
		return s.Example
	}
	switch s.Type {
	case "object":
		m := map[string]any{}
		for _, p := range s.Props {
			m[p.Name] = sample(p.Schema, depth+1)
		}
		return m
	case "array":
		return []any{sample(s.Items, depth+1), sample(s.Items, depth+1)}
	case "integer":
		return 1
	case "number":
		return 1.5
	case "boolean":
		return true
	case "string":
		switch s.Format {
		case "date-time":
			return "2024-01-01T00:00:00Z"
		case "date":
			return "2024-01-01"
		}
		return "text"
	}
	return nil
}
