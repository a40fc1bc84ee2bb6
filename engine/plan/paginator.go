package plan

import (
	"fmt"

	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// paginatorPath is where resource i's paginator is written: its endpoint,
// resource_defaults or client.
func paginatorPath(s *spec.Spec, d *spec.ResourceDefaults, i int) string {
	switch {
	case s.Resources[i].Endpoint != nil && s.Resources[i].Endpoint.Paginator != nil:
		return fmt.Sprintf("resources[%d].endpoint.paginator", i)
	case d.Endpoint != nil && d.Endpoint.Paginator != nil:
		return "resource_defaults.endpoint.paginator"
	}
	return "client.paginator"
}

// compilePaginator turns the paginator the spec writes (nil: none, which
// means auto) into rest's configuration with every default applied, so
// that the plan shows what runs. json_response is compiled as json_link.
func compilePaginator(errs *errorList, at string, p *spec.Paginator) rest.PaginatorConfig {
	if p == nil {
		return rest.DefaultPaginator(rest.KindAuto)
	}
	kind := p.Type
	if kind == rest.KindJSONResponse {
		kind = rest.KindJSONLink
	}
	c := rest.DefaultPaginator(kind)
	str := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	// Paths into the response may be written as dlt's JSONPath.
	resp := func(dst *string, field, v string) {
		str(dst, errs.responsePath(at+"."+field, v))
	}
	resp(&c.NextURLPath, "next_url_path", p.NextURLPath)
	str(&c.RelativeTo, p.RelativeTo)
	str(&c.LinksNextKey, p.LinksNextKey)
	str(&c.OffsetParam, p.OffsetParam)
	str(&c.LimitParam, p.LimitParam)
	str(&c.OffsetBodyPath, p.OffsetBodyPath)
	str(&c.LimitBodyPath, p.LimitBodyPath)
	str(&c.PageParam, p.PageParam)
	str(&c.PageBodyPath, p.PageBodyPath)
	resp(&c.TotalPath, "total_path", p.TotalPath)
	resp(&c.HasMorePath, "has_more_path", p.HasMorePath)
	resp(&c.CursorPath, "cursor_path", p.CursorPath)
	str(&c.CursorParam, p.CursorParam)
	str(&c.CursorBodyPath, p.CursorBodyPath)
	str(&c.CursorKey, p.CursorKey)
	resp(&c.IDPath, "id_path", p.IDPath)
	c.Limit, c.Offset, c.MaximumOffset, c.MaximumPage, c.Parallel = p.Limit, p.Offset, p.MaximumOffset, p.MaximumPage, p.Parallel
	c.TotalIsUpperBound = p.TotalIsUpperBound
	if p.BasePage != nil {
		c.BasePage = *p.BasePage
	}
	c.Page = c.BasePage
	if p.Page != nil {
		c.Page = *p.Page
	}
	if p.StopAfterEmptyPage != nil {
		c.StopAfterEmptyPage = *p.StopAfterEmptyPage
	}
	if p.MaxPages > 0 {
		c.MaxPages = p.MaxPages
	}
	// spec's semantic checks have caught what a user can write wrong; this
	// keeps a plan from holding a paginator rest refuses. json_link with
	// relative_to base_url needs the run's base URL: it is checked then.
	if kind != rest.KindJSONLink {
		if _, err := rest.NewPaginator(c, nil, nil); err != nil {
			errs.add(at, "%v", err)
		}
	}
	return c
}
