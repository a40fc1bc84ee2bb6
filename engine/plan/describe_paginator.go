package plan

import (
	"fmt"

	"github.com/pipe-etl/pipe/engine/rest"
)

// PaginatorSettings returns a compiled paginator as pipe plan prints it:
// its type, then every setting its kind runs with, defaults included
// (the values of rest.PaginatorConfig that the kind reads).
func PaginatorSettings(c rest.PaginatorConfig) Settings {
	s := Settings{{Name: "type", Value: c.Type}}
	add := func(k string, v any) { s = append(s, Setting{Name: k, Value: v}) }
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
	case rest.KindSinglePage:
		return s
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
	return s
}

// paginatorText describes a compiled paginator with its defaults.
func paginatorText(c rest.PaginatorConfig) string {
	switch c.Type {
	case rest.KindAuto:
		return fmt.Sprintf("auto (detected from the first response and logged, max_pages %d)", c.MaxPages)
	case rest.KindSinglePage:
		return c.Type
	}
	return c.Type + " (" + PaginatorSettings(c)[1:].text() + ")"
}
