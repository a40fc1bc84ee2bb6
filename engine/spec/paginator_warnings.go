package spec

import (
	"fmt"
	"slices"
	"strings"
)

// PagingFields returns the query parameters and the JSON body paths that
// the paginator writes on every request, with the defaults of its kind
// (those of rest.DefaultPaginator; a plan test keeps the two in step).
// The values named in placed ("offset", "limit", "page"), which the spec
// writes as {paginator.NAME}, are sent there instead, not in a field.
func (p *Paginator) PagingFields(placed ...string) (query, body []string) {
	pick := func(param, def, bodyPath string) {
		switch {
		case slices.Contains(placed, def):
		case bodyPath != "":
			body = append(body, bodyPath)
		case param != "":
			query = append(query, param)
		default:
			query = append(query, def)
		}
	}
	switch p.Type {
	case "offset":
		pick(p.OffsetParam, "offset", p.OffsetBodyPath)
		pick(p.LimitParam, "limit", p.LimitBodyPath)
	case "page_number":
		pick(p.PageParam, "page", p.PageBodyPath)
	case "cursor":
		pick(p.CursorParam, "cursor", p.CursorBodyPath)
	case "header_cursor":
		pick(p.CursorParam, "cursor", "")
	case "last_id":
		pick(p.CursorParam, "starting_after", "")
	}
	return query, body
}

// Warnings returns what is legal but probably not meant: a query parameter
// or a JSON body field the user wrote that the resource's paginator also
// writes, so the paginator's value replaces it on every page. pipe
// validate prints them without failing.
func Warnings(s *Spec) Errors {
	var out Errors
	seen := map[string]bool{} // resource_defaults is checked once per resource
	warn := func(path, format string, args ...any) {
		if seen[path] {
			return
		}
		seen[path] = true
		line, col := s.Pos(path)
		out = append(out, &Error{File: s.File, Line: line, Col: col, Path: path, Msg: "warning: " + fmt.Sprintf(format, args...)})
	}
	for _, k := range sortedKeys(s.Client.Headers) {
		if _, lits := ClientHeader(s.Client.Headers[k]); len(lits) > 0 {
			warn(joinKey("client.headers", k), "%s is sent literally: client headers are sent as written, as dlt does, with only {vars.*} and {secrets.*} filled in (a parent or cursor belongs in a resource's endpoint.headers)", strings.Join(lits, ", "))
		}
	}
	for i, r := range s.Resources {
		at := fmt.Sprintf("resources[%d]", i)
		if r.TableFormat != "" {
			warn(at+".table_format", "table_format %q is ignored: SQLite and Postgres tables have one format", r.TableFormat)
		}
		if inc := r.Endpoint.Cursor(); inc != nil {
			path := at + ".endpoint.incremental"
			if r.Endpoint.Incremental == nil {
				path = joinKey(at+".endpoint.params", inc.StartParam)
			}
			if inc.EndValue != "" && inc.RangeEnd == "" {
				warn(path+".end_value", "end_value is inclusive in pipe (a record whose cursor equals it is loaded, so none at the edge is lost); dlt excludes it by default: write range_end: open for dlt's result, or range_end: closed to keep pipe's")
			}
			if inc.RowOrder != "" {
				warn(path+".row_order", "row_order does nothing in pipe: it reads every page, where dlt stops at the first record out of range (the records loaded are the same while the API keeps that order)")
			}
		}
	}
	var defaults *Endpoint
	if s.ResourceDefaults != nil {
		defaults = s.ResourceDefaults.Endpoint
	}
	for i, r := range s.Resources {
		if defaults == nil || r.Endpoint == nil {
			continue
		}
		for _, m := range []struct {
			field    string
			def, own map[string]string
		}{{"headers", defaults.Headers, r.Endpoint.Headers}, {"data", defaults.Data, r.Endpoint.Data}} {
			if len(m.own) == 0 {
				continue
			}
			var kept []string
			for _, k := range sortedKeys(m.def) {
				if _, ok := m.own[k]; !ok {
					kept = append(kept, k)
				}
			}
			if len(kept) > 0 {
				warn(fmt.Sprintf("resources[%d].endpoint.%s", i, m.field), "pipe merges endpoint.%s with resource_defaults' key by key, so %s from resource_defaults is sent too; dlt takes the resource's %s whole and would not send it", m.field, strings.Join(kept, ", "), m.field)
			}
		}
	}
	for i, r := range s.Resources {
		p, at := s.Client.Paginator, "client.paginator"
		if defaults != nil && defaults.Paginator != nil {
			p, at = defaults.Paginator, "resource_defaults.endpoint.paginator"
		}
		if r.Endpoint != nil && r.Endpoint.Paginator != nil {
			p, at = r.Endpoint.Paginator, fmt.Sprintf("resources[%d].endpoint.paginator", i)
		}
		if p == nil {
			continue
		}
		if at == "client.paginator" && p.Type != "single_page" && SingleEntityPath(r.endpointPath()) {
			warn(fmt.Sprintf("resources[%d]", i), "the path %q names one entity (its last segment is a placeholder), which dlt pages with single_page instead of client.paginator; pipe pages it with client.paginator (%s), which reads more pages when the API has them: write endpoint.paginator: single_page for dlt's result", r.endpointPath(), p.Type)
		}
		query, body := p.PagingFields(pagerPlaced(defaults, r.Endpoint)...)
		for _, ep := range []struct {
			e    *Endpoint
			path string
		}{{defaults, "resource_defaults.endpoint"}, {r.Endpoint, fmt.Sprintf("resources[%d].endpoint", i)}} {
			if ep.e == nil {
				continue
			}
			for _, q := range query {
				if _, ok := ep.e.Params[q]; ok {
					warn(ep.path+".params."+q, "the %s paginator (%s) sets query parameter %q on every page, replacing this value", p.Type, at, q)
				}
			}
			for _, b := range body {
				if jsonHas(ep.e.JSON, b) {
					warn(ep.path+".json."+b, "the %s paginator (%s) sets body field %q on every page, replacing this value", p.Type, at, b)
				}
			}
		}
	}
	out.Sort()
	return out
}

// jsonHas reports whether the dotted path exists in a decoded JSON body.
func jsonHas(v any, path string) bool {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = m[k]; !ok {
			return false
		}
	}
	return true
}
