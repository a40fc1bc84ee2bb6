package plan

import (
	"fmt"
	"strings"

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
	str(&c.NextURLPath, p.NextURLPath)
	str(&c.RelativeTo, p.RelativeTo)
	str(&c.LinksNextKey, p.LinksNextKey)
	str(&c.OffsetParam, p.OffsetParam)
	str(&c.LimitParam, p.LimitParam)
	str(&c.OffsetBodyPath, p.OffsetBodyPath)
	str(&c.LimitBodyPath, p.LimitBodyPath)
	str(&c.PageParam, p.PageParam)
	str(&c.PageBodyPath, p.PageBodyPath)
	str(&c.TotalPath, p.TotalPath)
	str(&c.HasMorePath, p.HasMorePath)
	str(&c.CursorPath, p.CursorPath)
	str(&c.CursorParam, p.CursorParam)
	str(&c.CursorBodyPath, p.CursorBodyPath)
	str(&c.CursorKey, p.CursorKey)
	str(&c.IDPath, p.IDPath)
	c.Limit, c.Offset, c.MaximumOffset, c.MaximumPage, c.Parallel = p.Limit, p.Offset, p.MaximumOffset, p.MaximumPage, p.Parallel
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

// paginatorText describes a compiled paginator with its defaults.
func paginatorText(c rest.PaginatorConfig) string {
	var opts []string
	add := func(k string, v any) { opts = append(opts, fmt.Sprintf("%s %v", k, v)) }
	opt := func(k, v string) {
		if v != "" {
			add(k, v)
		}
	}
	optInt := func(k string, v int) {
		if v > 0 {
			add(k, v)
		}
	}
	either := func(param, paramValue, body, bodyValue string) {
		if bodyValue != "" {
			add(body, bodyValue)
			return
		}
		add(param, paramValue)
	}
	switch c.Type {
	case rest.KindAuto:
		return fmt.Sprintf("auto (detected from the first response and logged, max_pages %d)", c.MaxPages)
	case rest.KindSinglePage:
		return c.Type
	case rest.KindJSONLink:
		add("next_url_path", c.NextURLPath)
		add("relative_to", c.RelativeTo)
		opt("has_more_path", c.HasMorePath)
	case rest.KindHeaderLink:
		add("links_next_key", c.LinksNextKey)
	case rest.KindOffset:
		add("limit", c.Limit)
		add("offset", c.Offset)
		either("offset_param", c.OffsetParam, "offset_body_path", c.OffsetBodyPath)
		either("limit_param", c.LimitParam, "limit_body_path", c.LimitBodyPath)
		opt("total_path", c.TotalPath)
		opt("has_more_path", c.HasMorePath)
		optInt("maximum_offset", c.MaximumOffset)
		add("stop_after_empty_page", c.StopAfterEmptyPage)
		optInt("parallel", c.Parallel)
	case rest.KindPageNumber:
		add("base_page", c.BasePage)
		add("page", c.Page)
		either("page_param", c.PageParam, "page_body_path", c.PageBodyPath)
		opt("total_path", c.TotalPath)
		opt("has_more_path", c.HasMorePath)
		optInt("maximum_page", c.MaximumPage)
		add("stop_after_empty_page", c.StopAfterEmptyPage)
		optInt("parallel", c.Parallel)
	case rest.KindCursor:
		add("cursor_path", c.CursorPath)
		either("cursor_param", c.CursorParam, "cursor_body_path", c.CursorBodyPath)
		opt("has_more_path", c.HasMorePath)
	case rest.KindHeaderCursor:
		add("cursor_key", c.CursorKey)
		add("cursor_param", c.CursorParam)
	case rest.KindLastID:
		add("id_path", c.IDPath)
		add("cursor_param", c.CursorParam)
		add("has_more_path", c.HasMorePath)
	}
	add("max_pages", c.MaxPages)
	return c.Type + " (" + strings.Join(opts, ", ") + ")"
}
