package openapi

import (
	"slices"
	"strings"

	"github.com/pb33f/go-yaml"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
)

func fromV3(m *v3.Document, version string) *Doc {
	c := newConverter()
	d := &Doc{Version: version, DefaultSecurity: requirementNames(m.Security)}
	if m.Info != nil {
		d.Title = m.Info.Title
	}
	for _, s := range m.Servers {
		srv := Server{URL: s.URL}
		for name, v := range s.Variables.FromOldest() {
			srv.Vars = append(srv.Vars, ServerVar{Name: name, Default: v.Default, Description: v.Description, Enum: v.Enum})
		}
		d.Servers = append(d.Servers, srv)
	}
	if m.Components != nil {
		for name, s := range m.Components.SecuritySchemes.FromOldest() {
			d.Security = append(d.Security, v3Scheme(name, s))
		}
	}
	if m.Paths == nil {
		return d
	}
	for path, item := range m.Paths.PathItems.FromOldest() {
		if item == nil || item.Get == nil {
			continue
		}
		d.Ops = append(d.Ops, v3Op(c, path, item, item.Get))
	}
	return d
}

func v3Op(c *converter, path string, item *v3.PathItem, op *v3.Operation) *Operation {
	o := &Operation{Path: path, OperationID: op.OperationId, Summary: op.Summary, Tags: op.Tags, Security: requirementNames(op.Security)}
	for _, servers := range [][]*v3.Server{op.Servers, item.Servers} {
		if len(servers) > 0 && servers[0] != nil && o.Server == "" {
			o.Server = servers[0].URL
		}
	}
	for _, p := range operationParams(op.Parameters, item.Parameters, func(p *v3.Parameter) (string, string) { return p.In, p.Name }) {
		o.Params = append(o.Params, v3Param(c, p))
	}
	if op.Responses == nil {
		return o
	}
	// As in Swagger 2, only the headers of the response whose body is
	// read count: they are the ones that come with each page.
	r, ok := successResponse(op.Responses.Codes, func(r *v3.Response) bool {
		return r != nil && jsonMedia(r.Content.KeysFromOldest()) != ""
	})
	if !ok {
		return o
	}
	o.Headers = slices.Collect(r.Headers.KeysFromOldest())
	o.MediaType = jsonMedia(r.Content.KeysFromOldest())
	media := r.Content.GetOrZero(o.MediaType)
	o.Response = c.proxy(media.Schema, 0)
	o.Example = decode(media.Example)
	for _, ex := range media.Examples.FromOldest() {
		if o.Example == nil && ex != nil {
			o.Example = decode(ex.Value)
		}
	}
	return o
}

func v3Param(c *converter, p *v3.Parameter) Param {
	s := c.proxy(p.Schema, 0)
	out := Param{Name: p.Name, In: p.In, Required: p.Required != nil && *p.Required, Description: p.Description}
	if s != nil {
		out.Type = s.Type
	}
	if p.Schema != nil {
		if h := p.Schema.Schema(); h != nil {
			out.Default = scalar(h.Default)
			for _, e := range h.Enum {
				out.Enum = append(out.Enum, scalar(e))
			}
			out.Minimum, out.Maximum = h.Minimum, h.Maximum
		}
	}
	out.Example, out.ExampleFrom = paramExample(scalar(p.Example), s, func() (string, string) {
		return extensionExample(p.Extensions)
	})
	return out
}

// extensionExample returns the value of an x-…example extension.
func extensionExample(ext *orderedmap.Map[string, *yaml.Node]) (string, string) {
	for k, v := range ext.FromOldest() {
		if strings.HasSuffix(strings.ToLower(k), "example") {
			if s := scalar(v); s != "" {
				return s, k
			}
		}
	}
	return "", ""
}

func v3Scheme(name string, s *v3.SecurityScheme) SecurityScheme {
	out := SecurityScheme{Name: name, Type: s.Type, In: s.In, ParamName: s.Name, Scheme: strings.ToLower(s.Scheme), Description: s.Description}
	if f := s.Flows; f != nil {
		for _, fl := range []struct {
			name string
			flow *v3.OAuthFlow
		}{{"clientCredentials", f.ClientCredentials}, {"authorizationCode", f.AuthorizationCode}, {"password", f.Password}, {"implicit", f.Implicit}} {
			if fl.flow != nil {
				out.Flow, out.TokenURL = fl.name, fl.flow.TokenUrl
				for sc := range fl.flow.Scopes.KeysFromOldest() {
					out.Scopes = append(out.Scopes, sc)
				}
				break
			}
		}
	}
	return out
}
