package spec

import (
	"slices"
	"strings"
)

// pagerValueKinds names the paginator kinds that fill each
// {paginator.NAME} (engine/rest's ValueKinds), the first the one to
// suggest.
var pagerValueKinds = map[string][]string{
	"offset": {"offset"},
	"limit":  {"offset"},
	"page":   {"page_number"},
	"cursor": {"cursor", "header_cursor"},
}

// pagerValueNames are the names of the paginator namespace.
var pagerValueNames = []string{"offset", "limit", "page", "cursor"}

// pagerScope is the paginator that fills {paginator.*} where a template
// is written: its block (nil: none written, which means auto) and where
// it is written.
type pagerScope struct {
	p  *Paginator
	at string
}

// resourcePager returns the paginator a resource runs with: its own, the
// defaults' or the client's.
func (c *checker) resourcePager(base string, e *Endpoint) *pagerScope {
	switch {
	case e != nil && e.Paginator != nil:
		return &pagerScope{e.Paginator, base + ".endpoint.paginator"}
	case c.s.ResourceDefaults != nil && c.s.ResourceDefaults.Endpoint != nil && c.s.ResourceDefaults.Endpoint.Paginator != nil:
		return &pagerScope{c.s.ResourceDefaults.Endpoint.Paginator, "resource_defaults.endpoint.paginator"}
	case c.s.Client.Paginator != nil:
		return &pagerScope{c.s.Client.Paginator, "client.paginator"}
	}
	return &pagerScope{}
}

// pagerValue checks a {paginator.NAME} placeholder: a value the
// resource's paginator has, in a parameter, header or body.
func (c *checker) pagerValue(sc *scope, path string, p Part) {
	if sc.pager == nil {
		c.errorf(path, "%s is not allowed in %s (only in a resource's endpoint params, headers, json or data, which its paginator fills for each page)", p, sc.where)
		return
	}
	if strings.HasSuffix(path, ".endpoint.path") {
		c.errorf(path, "%s is not allowed in the endpoint's path (only in params, headers, json or data)", p)
		return
	}
	kinds, ok := pagerValueKinds[p.Name]
	if !ok {
		c.errorf(path, "unknown placeholder %s%s", p, hint(p.Name, pagerValueNames, "want offset, limit, page or cursor"))
		return
	}
	kind, named := kinds[0], strings.Join(kinds, " or ")
	pg := sc.pager.p
	if pg == nil || pg.Type == "auto" {
		c.errorf(path, "%s is filled by the %s paginator, but %s has none written (auto detects its kind from the first response and fills no placeholder): write paginator: {type: %s, …}", p, named, sc.where, kind)
		return
	}
	if !slices.Contains(kinds, pg.Type) {
		c.errorf(path, "%s is filled by the %s paginator, but the paginator at %s is %s (write type: %s there%s)", p, named, sc.pager.at, pg.Type, kind, pageHint(p.Name))
		return
	}
	if p.Name == "offset" && pg.Offset > 0 && pg.TotalPath != "" {
		// The walk compares offset + records with the total: right for an
		// offset that skips records, one short for a 1-based position.
		c.errorf(sc.pager.at+".total_path", "total_path with offset %d and %s: the walk ends once offset + records read reach the total, so an API that counts positions from %d (QuickBooks' STARTPOSITION) would lose its last records; remove total_path (a page shorter than limit ends the walk)", pg.Offset, p, pg.Offset)
	}
	own := map[string][]struct{ field, value string }{
		"offset": {{"offset_param", pg.OffsetParam}, {"offset_body_path", pg.OffsetBodyPath}},
		"limit":  {{"limit_param", pg.LimitParam}, {"limit_body_path", pg.LimitBodyPath}},
		"page":   {{"page_param", pg.PageParam}, {"page_body_path", pg.PageBodyPath}},
		"cursor": {{"cursor_param", pg.CursorParam}, {"cursor_body_path", pg.CursorBodyPath}},
	}
	for _, f := range own[p.Name] {
		if f.value != "" {
			c.errorf(sc.pager.at+"."+f.field, "%q is not sent: %s is written at %s, which carries the value instead (remove %s)", f.value, p, path, f.field)
		}
	}
}

// pageHint says what to write for a page number with an offset
// paginator's values, or the reverse.
func pageHint(name string) string {
	switch name {
	case "offset", "limit":
		return ", with limit, and offset: 1 for an API that counts from 1"
	case "cursor":
		return ", with cursor_path, or header_cursor with cursor_key for a cursor in a response header"
	}
	return ", with base_page: 1 for an API whose first page is 1"
}

// pagerPlaced returns the paginator values the endpoints write as
// {paginator.NAME} in their params, headers, json or data.
func pagerPlaced(eps ...*Endpoint) []string {
	var out []string
	add := func(text string) {
		t, err := ParseTemplate(text)
		if err != nil {
			return
		}
		for _, p := range t.Placeholders() {
			if p.Namespace == NSPaginator && !slices.Contains(out, p.Name) {
				out = append(out, p.Name)
			}
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			add(v)
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	for _, e := range eps {
		if e == nil {
			continue
		}
		for _, p := range e.Params {
			add(p.Value)
		}
		for _, m := range []map[string]string{e.Headers, e.Data} {
			for _, v := range m {
				add(v)
			}
		}
		add(e.RawData)
		walk(e.JSON)
	}
	return out
}
