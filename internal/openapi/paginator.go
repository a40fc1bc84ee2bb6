package openapi

import (
	"fmt"
	"strconv"
	"strings"
)

// pagination is a detected paginator: its fields in order, the page-size
// param to send, and what the detection rests on.
type pagination struct {
	fields   []field // type first
	sizeName string  // a page-size query param to add to params, if any
	size     string
	why      string
	guess    bool
	// handled are the query params the paginator sets itself.
	handled []string
	// switches are params that turn the detected paging on (Box's
	// usemarker: true for marker).
	switches []line
}

type field struct{ key, value string }

var (
	cursorParams   = []string{"cursor", "starting_after", "page_token", "pageToken", "next_token", "nextToken", "after", "continuation_token", "continuationToken", "marker", "next_page_token", "page[after]", "start_cursor"}
	cursorFields   = []string{"next_cursor", "nextCursor", "next_page_token", "nextPageToken", "next_token", "nextToken", "cursor", "continuation_token", "continuationToken", "next_marker", "nextMarker", "after", "endCursor"}
	linkFields     = []string{"links.next", "_links.next.href", "_links.next", "pagination.next", "paging.next", "meta.next", "next_url", "next_page_url", "nextLink", "@odata.nextLink", "next"}
	hasMoreFields  = []string{"has_more", "hasMore", "more", "has_next", "hasNext", "has_next_page"}
	totalFields    = []string{"total", "total_count", "totalCount", "count_total"}
	sizeParams     = []string{"limit", "per_page", "page_size", "pageSize", "perPage", "size", "count", "max_results", "maxResults", "page[size]", "page[limit]"}
	offsetParams   = []string{"offset", "skip", "start", "startAt", "page[offset]"}
	pageParams     = []string{"page", "page_number", "pageNumber", "page[number]"}
	totalPageNames = []string{"total_pages", "totalPages", "pages", "page_count", "last_page"}
)

// detectPaginator reads the operation's query params, response schema and
// response headers.
func detectPaginator(op *Operation, resp *Schema, selector, pk string, jsonAPIBase bool) pagination {
	// Twilio spells its params PageSize, Page and PageToken.
	query := func(names []string) *Param {
		for _, n := range names {
			if p := op.queryParam(n); p != nil {
				return p
			}
		}
		return nil
	}
	size := query(sizeParams)
	var pg pagination
	withSize := func() {
		if size != nil {
			pg.sizeName, pg.size = size.Name, pageSize(size)
		}
	}
	// A next link in the body.
	for _, path := range linkFields {
		if s := resp.Path(path); s != nil && (s.Type == "string" || s.Type == "" || s.Type == "object") {
			if s.Type == "object" && path != "_links.next" {
				continue
			}
			if path == "_links.next" {
				path = "_links.next.href"
			}
			pg.fields = []field{{"type", "json_link"}, {"next_url_path", path}}
			pg.why = "the response has " + path
			if jsonAPIBase {
				pg.fields = append(pg.fields, field{"relative_to", "base_url"})
				pg.why += "; guess: JSON:API next links are often relative to the host without the server's path (Snyk's omit /rest): check one"
				pg.guess = true
			}
			withSize()
			return pg
		}
	}
	// A next link deeper in the body: Twilio's meta.next_page_url,
	// Asana's next_page.uri.
	if path := nextLinkPath(resp, 3); path != "" {
		pg.fields = []field{{"type", "json_link"}, {"next_url_path", path}}
		pg.why = "the response has " + path
		withSize()
		return pg
	}
	// A Link header.
	for _, h := range op.Headers {
		if strings.EqualFold(h, "Link") {
			pg.fields = []field{{"type", "header_link"}}
			pg.why = "the response has a Link header"
			withSize()
			return pg
		}
	}
	// A cursor param.
	c := query(cursorParams)
	if o := op.queryParam("offset"); c == nil && o != nil && o.Type == "string" {
		// Asana's offset is a token the API hands out, not a number
		// (a string start or skip may be a date: not one).
		c = o
	}
	if c != nil {
		pg.handled = []string{c.Name}
		if sw := switchFor(op, c.Name); sw != nil {
			pg.switches = []line{{sw.Name, "true", fmt.Sprintf("%s pages only with this on", c.Name)}}
			pg.handled = append(pg.handled, sw.Name)
		}
		path := ""
		for _, f := range cursorFields {
			if path = findField(resp, f, 3); path != "" {
				break
			}
		}
		if path == "" {
			path = nextCursorPath(resp, c.Name)
		}
		if path != "" {
			pg.fields = []field{{"type", "cursor"}, {"cursor_path", path}, {"cursor_param", c.Name}}
			pg.why = fmt.Sprintf("query param %s and response field %s", c.Name, path)
			withSize()
			return pg
		}
		if has := firstField(resp, hasMoreFields); has != "" && pk != "" && selector != "" {
			// Stripe: the next page starts after the last record's id.
			pg.fields = []field{{"type", "last_id"}, {"id_path", pk}, {"cursor_param", c.Name}, {"has_more_path", has}}
			pg.why = fmt.Sprintf("guess: query param %s and %s in the response: the next page starts after the last record's %s", c.Name, has, pk)
			pg.guess = true
			withSize()
			return pg
		}
		if resp != nil && resp.Type == "array" {
			// A bare array has no room for a cursor: it comes in a header.
			pg.fields = []field{{"type", "header_link"}}
			pg.why = fmt.Sprintf("guess: query param %s and an array body: the next page is likely in a Link header (as Okta's and GitHub's are)", c.Name)
			pg.guess = true
			withSize()
			return pg
		}
		pg.fields = []field{{"type", "cursor"}, {"cursor_path", "CHECK.next_cursor"}, {"cursor_param", c.Name}}
		pg.why = fmt.Sprintf("guess: query param %s, but no cursor field found in the response: set cursor_path", c.Name)
		pg.guess = true
		return pg
	}
	if o := query(offsetParams); o != nil {
		pg.fields = []field{{"type", "offset"}, {"limit", "100"}}
		pg.handled = []string{o.Name}
		if size != nil {
			pg.fields[1].value = pageSize(size)
			pg.handled = append(pg.handled, size.Name)
			if size.Name != "limit" {
				pg.fields = append(pg.fields, field{"limit_param", size.Name})
			}
		}
		if o.Name != "offset" {
			pg.fields = append(pg.fields, field{"offset_param", o.Name})
		}
		pg.why = "query params " + o.Name
		if size != nil {
			pg.why += " and " + size.Name
		}
		if has := firstField(resp, hasMoreFields); has != "" {
			pg.fields = append(pg.fields, field{"has_more_path", has})
			pg.why += "; " + has + " in the response"
		} else if total := firstField(resp, totalFields); total != "" {
			pg.fields = append(pg.fields, field{"total_path", total})
			pg.why += "; " + total + " in the response"
			if upperBound(resp, total) {
				pg.fields = append(pg.fields, field{"total_is_upper_bound", "true"})
				pg.why += ", which its description says may exceed the entries served"
			}
		}
		return pg
	}
	if p := query(pageParams); p != nil {
		base := "1"
		if p.Minimum != nil && *p.Minimum == 0 || p.Default == "0" {
			base = "0"
		}
		pg.fields = []field{{"type", "page_number"}, {"base_page", base}}
		pg.handled = []string{p.Name}
		if p.Name != "page" {
			pg.fields = append(pg.fields, field{"page_param", p.Name})
		}
		pg.why = "query param " + p.Name
		if p.Minimum == nil && p.Default == "" {
			pg.why += "; guess: pages start at 1"
			pg.guess = true
		}
		if total := firstField(resp, totalPageNames); total != "" {
			pg.fields = append(pg.fields, field{"total_path", total})
			pg.why += "; " + total + " in the response"
		} else if has := firstField(resp, hasMoreFields); has != "" {
			pg.fields = append(pg.fields, field{"has_more_path", has})
			pg.why += "; " + has + " in the response"
		}
		withSize()
		return pg
	}
	// Not single_page, which reads nothing of the answer: auto follows a
	// Link header, a next link or a cursor it finds, and fails the run on
	// a sign of more pages it cannot follow (a total above the records,
	// has_more, isLast false), so an undocumented paging is never read as
	// its first page alone.
	pg.fields = []field{{"type", "auto"}}
	pg.why = "guess: no pagination param, link or header documented: auto reads the first answer and fails on signs of more pages; pipe run --sample 2 shows what it chose"
	pg.guess = true
	return pg
}

// pageSize picks a page size: the documented maximum up to 100, else the
// default, else 100.
func pageSize(p *Param) string {
	if p.Maximum != nil && *p.Maximum >= 1 {
		return strconv.Itoa(int(min(*p.Maximum, 100)))
	}
	if p.Default != "" {
		return p.Default
	}
	return "100"
}

// firstField returns the first of names that is a top-level or meta-level
// scalar field of the response.
// upperBound reports whether the description of the field at the dotted
// path of resp says the total may exceed the records served: Box's
// total_count, "the total number of entries in the collection may be less
// than total_count".
func upperBound(resp *Schema, path string) bool {
	s := resp
	for _, name := range strings.Split(path, ".") {
		if s = s.Prop(name); s == nil {
			return false
		}
	}
	d := strings.ToLower(strings.Join(strings.Fields(s.Description), " "))
	for _, phrase := range []string{"may be less than", "can be less than", "upper bound", "may exceed", "may be greater than the number"} {
		if strings.Contains(d, phrase) {
			return true
		}
	}
	return false
}

func firstField(resp *Schema, names []string) string {
	for _, n := range names {
		if path := findField(resp, n, 2); path != "" {
			return path
		}
	}
	return ""
}

// findField finds a scalar property named name at most depth objects
// down, breadth first; "" when absent.
func findField(s *Schema, name string, depth int) string {
	if s == nil || depth == 0 {
		return ""
	}
	if p := s.Prop(name); p != nil && p.Type != "object" && p.Type != "array" {
		return name
	}
	for _, p := range s.Props {
		if p.Schema != nil && p.Schema.Type == "object" && !p.Schema.Recursive {
			if sub := findField(p.Schema, name, depth-1); sub != "" {
				return p.Name + "." + sub
			}
		}
	}
	return ""
}

// switchFor returns a boolean query param that turns paging by param
// on: Box's usemarker, without which marker is ignored and the body
// holds no next_marker.
func switchFor(op *Operation, param string) *Param {
	for i, p := range op.Params {
		if p.In == "query" && p.Type == "boolean" && strings.EqualFold(p.Name, "use"+param) {
			return &op.Params[i]
		}
	}
	return nil
}
