package plan

import (
	"fmt"
	"slices"

	"github.com/pipe-etl/pipe/engine/rest"
)

// PaginatorSettings returns a compiled paginator as pipe plan prints it:
// its type, then every setting its kind runs with, defaults included
// (the values of rest.PaginatorConfig that the kind reads).
func PaginatorSettings(c rest.PaginatorConfig) Settings {
	s := Settings{{Name: "type", Value: c.Type}}
	switch c.Type {
	case rest.KindSinglePage:
		return s
	case rest.KindJSONLink:
		s.add("next_url_path", c.NextURLPath)
		s.add("relative_to", c.RelativeTo)
		s.opt("has_more_path", c.HasMorePath)
		s.opt("total_path", c.TotalPath)
		s.add("stop_after_empty_page", c.StopAfterEmptyPage)
	case rest.KindHeaderLink:
		s.add("links_next_key", c.LinksNextKey)
		s.add("stop_after_empty_page", c.StopAfterEmptyPage)
	case rest.KindOffset:
		s.add("limit", c.Limit)
		s.add("offset", c.Offset)
		s.sent(c, rest.ValueOffset, "offset_param", c.OffsetParam, "offset_body_path", c.OffsetBodyPath)
		s.sent(c, rest.ValueLimit, "limit_param", c.LimitParam, "limit_body_path", c.LimitBodyPath)
		s.opt("total_path", c.TotalPath)
		if c.TotalIsUpperBound {
			s.add("total_is_upper_bound", true)
		}
		s.opt("has_more_path", c.HasMorePath)
		s.optInt("maximum_offset", c.MaximumOffset)
		s.add("stop_after_empty_page", c.StopAfterEmptyPage)
		s.optInt("parallel", c.Parallel)
	case rest.KindPageNumber:
		s.add("base_page", c.BasePage)
		s.add("page", c.Page)
		s.sent(c, rest.ValuePage, "page_param", c.PageParam, "page_body_path", c.PageBodyPath)
		s.opt("total_path", c.TotalPath)
		s.opt("has_more_path", c.HasMorePath)
		s.optInt("maximum_page", c.MaximumPage)
		s.add("stop_after_empty_page", c.StopAfterEmptyPage)
		s.optInt("parallel", c.Parallel)
	case rest.KindCursor:
		s.add("cursor_path", c.CursorPath)
		s.sent(c, rest.ValueCursor, "cursor_param", c.CursorParam, "cursor_body_path", c.CursorBodyPath)
		s.opt("has_more_path", c.HasMorePath)
	case rest.KindHeaderCursor:
		s.add("cursor_key", c.CursorKey)
		s.sent(c, rest.ValueCursor, "cursor_param", c.CursorParam, "", "")
	case rest.KindLastID:
		s.add("id_path", c.IDPath)
		s.add("cursor_param", c.CursorParam)
		s.add("has_more_path", c.HasMorePath)
	}
	s.add("max_pages", c.MaxPages)
	return s
}

// either appends the body path setting when the kind sends its value in
// the request body, else the query parameter setting.
func (s *Settings) either(param, paramValue, body, bodyValue string) {
	if bodyValue != "" {
		s.add(body, bodyValue)
		return
	}
	s.add(param, paramValue)
}

// sent is either, unless the spec writes the value as {paginator.NAME}:
// then NAME_sent_as shows the placeholder that carries it.
func (s *Settings) sent(c rest.PaginatorConfig, name, param, paramValue, body, bodyValue string) {
	if slices.Contains(c.Placed, name) {
		s.add(name+"_sent_as", "{paginator."+name+"}")
		return
	}
	s.either(param, paramValue, body, bodyValue)
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
