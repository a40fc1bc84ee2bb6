package openapi

import (
	"fmt"
	"slices"
	"strings"

	v2 "github.com/pb33f/libopenapi/datamodel/high/v2"
)

func fromV2(m *v2.Swagger, version string) *Doc {
	c := newConverter()
	d := &Doc{Title: m.Info.Title, Version: version, DefaultSecurity: requirementNames(m.Security)}
	if m.Host != "" {
		scheme := "https"
		if len(m.Schemes) > 0 && !slices.Contains(m.Schemes, "https") {
			scheme = m.Schemes[0]
		}
		d.Servers = []Server{{URL: scheme + "://" + m.Host + strings.TrimSuffix(m.BasePath, "/")}}
	} else if m.BasePath != "" {
		d.Servers = []Server{{URL: strings.TrimSuffix(m.BasePath, "/")}}
	}
	if m.SecurityDefinitions != nil {
		for name, s := range m.SecurityDefinitions.Definitions.FromOldest() {
			d.Security = append(d.Security, v2Scheme(name, s))
		}
	}
	if m.Paths == nil {
		return d
	}
	for path, item := range m.Paths.PathItems.FromOldest() {
		if item == nil || item.Get == nil {
			continue
		}
		d.Ops = append(d.Ops, v2Op(c, path, item, item.Get))
	}
	return d
}

func v2Op(c *converter, path string, item *v2.PathItem, op *v2.Operation) *Operation {
	o := &Operation{Path: path, OperationID: op.OperationId, Summary: op.Summary, Tags: op.Tags, Security: requirementNames(op.Security), MediaType: "application/json"}
	for _, p := range operationParams(op.Parameters, item.Parameters, func(p *v2.Parameter) (string, string) { return p.In, p.Name }) {
		if p.In != "body" && p.In != "formData" {
			o.Params = append(o.Params, v2Param(p))
		}
	}
	if op.Responses == nil {
		return o
	}
	r, ok := successResponse(op.Responses.Codes, func(r *v2.Response) bool { return r != nil && r.Schema != nil })
	if !ok {
		return o
	}
	o.Headers = slices.Collect(r.Headers.KeysFromOldest())
	o.Response = c.proxy(r.Schema, 0)
	if r.Examples != nil {
		for k, v := range r.Examples.Values.FromOldest() {
			if strings.Contains(k, "json") && o.Example == nil {
				o.Example = decode(v)
			}
		}
	}
	return o
}

func v2Param(p *v2.Parameter) Param {
	out := Param{Name: p.Name, In: p.In, Required: p.Required != nil && *p.Required, Type: p.Type, Description: p.Description, Default: scalar(p.Default)}
	for _, e := range p.Enum {
		out.Enum = append(out.Enum, scalar(e))
	}
	if p.Minimum != nil {
		f := float64(*p.Minimum)
		out.Minimum = &f
	}
	if p.Maximum != nil {
		f := float64(*p.Maximum)
		out.Maximum = &f
	}
	out.Example, out.ExampleFrom = extensionExample(p.Extensions)
	return out
}

func v2Scheme(name string, s *v2.SecurityScheme) SecurityScheme {
	out := SecurityScheme{Name: name, Type: s.Type, In: s.In, ParamName: s.Name, Description: s.Description, TokenURL: s.TokenUrl}
	switch s.Type {
	case "basic":
		out.Type, out.Scheme = "http", "basic"
	case "oauth2":
		if s.Flow == "application" {
			out.Flow = "clientCredentials"
		} else {
			out.Flow = fmt.Sprint(s.Flow)
		}
		if s.Scopes != nil {
			for sc := range s.Scopes.Values.KeysFromOldest() {
				out.Scopes = append(out.Scopes, sc)
			}
		}
	}
	return out
}
