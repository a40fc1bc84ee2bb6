package rest

import (
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

var _ Paginator = (*Auto)(nil)

// Auto detects the paginator from the first response (auto, and a spec
// with no paginator) and logs its choice and why. In order:
//   - a Link header with rel="next": header_link;
//   - a URL under a body key containing "next", at any depth up to five
//     objects down (next, next_page, nextPage, next_url, links.next,
//     _links.next.href, paging.next.link, pagination.next): json_link at
//     that path, relative to the request URL;
//   - a cursor under such a key (next_cursor, nextPageToken,
//     next_page_token, cursors.next, meta.next_cursor, paging.next.after,
//     pages.next.starting_after, next_page.offset) or at cursor,
//     cursors.after or a top-level offset that is not a number (Airtable):
//     cursor at that path, sent as the query parameter named after the key
//     (nextPageToken: pageToken, next_cursor: cursor, after: after,
//     starting_after: starting_after, offset: offset);
//   - has_more true at the top level and records with an id: last_id,
//     ?starting_after=<the last record's id>, as Stripe pages;
//   - a first response that shows more pages it cannot follow (has_more
//     true without ids, a total above the records, a next key holding
//     something that is not a URL or a cursor, a response header holding
//     the next page's cursor) is an error wrapping ErrMorePages that names
//     them and the paginator to set;
//   - a first page that says nothing of a next page (no next key, even
//     empty, no has_more or end flag, no total) but holds exactly as many
//     records as a page-size parameter of the request asked for (limit,
//     per_page, …) is an error too: more may follow;
//   - otherwise single_page.
//
// It never guesses offset or page_number: they need a limit or a page
// parameter that a response cannot reveal. The chosen paginator's stop
// rules apply after detection, together with any has_more or
// end_of_stream flag found in the first response.
type Auto struct {
	logger   *slog.Logger
	maxPages int
	first    *Request
	chosen   Paginator
}

// Init keeps the first request for the paginator it will choose.
func (a *Auto) Init(req *Request) error {
	a.first, a.chosen = req.Clone(), nil
	return nil
}

// Next detects the paginator on the first call and then delegates to it.
func (a *Auto) Next(req *Request, resp *Response, records []gjson.Result) (bool, error) {
	if a.chosen == nil {
		p, kind, why, err := detectPaginator(req, resp, records, a.maxPages)
		if err != nil {
			return false, err
		}
		a.logger.Info(fmt.Sprintf("paginator: detected %s (%s)", kind, why), "url", redactURL(req.URL))
		if err := p.Init(a.first.Clone()); err != nil {
			return false, err
		}
		a.chosen = p
	}
	return a.chosen.Next(req, resp, records)
}

// candidate is a key of the first response that may drive pagination.
type candidate struct {
	path  string
	value gjson.Result
	key   string // the last key of path
}

func detectPaginator(req *Request, resp *Response, records []gjson.Result, maxPages int) (Paginator, string, string, error) {
	b := func(kind string) bounds { return bounds{kind: "auto (" + kind + ")", maxPages: maxPages} }
	if _, ok := linkRel(resp.Header, "next"); ok {
		return &HeaderLink{rel: "next", bounds: b(KindHeaderLink)}, KindHeaderLink, `Link header rel="next"`, nil
	}
	for name, vals := range resp.Header {
		// Azure DevOps: x-ms-continuationtoken, sent back as continuationToken.
		if strings.Contains(strings.ToLower(name), "continuation") && len(vals) > 0 && strings.TrimSpace(vals[0]) != "" {
			hc := &HeaderCursor{key: name, param: "continuationToken", bounds: b(KindHeaderCursor)}
			return hc, KindHeaderCursor, fmt.Sprintf("response header %q holds a continuation token; sent as query parameter \"continuationToken\"", name), nil
		}
	}
	if s := contentRangeSign(resp, len(records)); s != nil {
		// PostgREST pages by Range or limit/offset and says so only here.
		return nil, "", "", autoFail(s.detail + ", and no paginator this walk can choose follows it (" + s.fix + ")")
	}
	if s := nextRangeSign(resp); s != nil {
		return nil, "", "", autoFail(s.detail + ", which auto does not send back (" + s.fix + ")")
	}
	body := resp.Body
	if !gjson.ValidBytes(body) || !gjson.ParseBytes(body).IsObject() {
		if err := headerCursorFail(req, resp, records); err != nil {
			return nil, "", "", err
		}
		if err := fullPageFail(req, records); err != nil {
			return nil, "", "", err
		}
		return SinglePage{}, KindSinglePage, "the response is not a JSON object", nil
	}
	stops := flagsIn(body)
	var cursors, unfollowable []candidate
	for _, c := range nextCandidates(body) {
		v := c.value
		switch {
		case v.Type == gjson.String && urlish(v.Str):
			j := &JSONLink{path: c.path, stopWhen: stops, bounds: b(KindJSONLink)}
			return j, KindJSONLink, fmt.Sprintf("body %q holds a URL", c.path), nil
		case v.Type == gjson.String && cursorKey(c.path):
			cursors = append(cursors, c)
		case v.Type == gjson.String, v.Type == gjson.Number:
			unfollowable = append(unfollowable, c)
		}
	}
	for _, p := range []string{"cursor", "cursors.after", "offset"} {
		if v := gjson.GetBytes(body, p); v.Type == gjson.String && strings.TrimSpace(v.Str) != "" && !numeric(v.Str) {
			cursors = append(cursors, candidate{path: p, value: v, key: p[strings.LastIndexByte(p, '.')+1:]})
		}
	}
	if len(cursors) > 0 {
		c := cursors[0]
		param := cursorParam(c.key)
		cur := &Cursor{path: c.path, param: param, stopWhen: stops, bounds: b(KindCursor)}
		return cur, KindCursor, fmt.Sprintf("body %q holds a cursor; sent as query parameter %q", c.path, param), nil
	}
	fields := readPagingFields(body)
	if f, more := fields.flag(moreFlags, true); more {
		if n := len(records); n > 0 && f == "has_more" && records[n-1].Get("id").Exists() {
			l := &LastID{idPath: "id", param: "starting_after", hasMorePath: f, bounds: b(KindLastID)}
			return l, KindLastID, fmt.Sprintf("body %q is true and records have an id; the last one sent as query parameter \"starting_after\"", f), nil
		}
		return nil, "", "", autoFail(fmt.Sprintf("body %q is true, and no next link, cursor or record id follows it", f))
	}
	if f := nestedPageInfo(body); f != "" {
		return nil, "", "", autoFail(fmt.Sprintf("body %q is true, and no cursor this walk can send follows it (a GraphQL connection: set cursor with cursor_path beside it, endCursor, and the cursor_body_path of the query's variable)", f))
	}
	if _, done := fields.flag(doneFlags, true); !done {
		for _, t := range fields.totals() {
			if int(t.v.Num) > len(records) {
				return nil, "", "", autoFail(fmt.Sprintf("body %q is %s and the page held %d records", t.path, t.v.Raw, len(records)))
			}
		}
	}
	if len(unfollowable) > 0 {
		c := unfollowable[0]
		return nil, "", "", autoFail(fmt.Sprintf("body %q holds %s, not a URL or a cursor", c.path, kindText(c.value)))
	}
	if err := headerCursorFail(req, resp, records); err != nil {
		return nil, "", "", err
	}
	if len(stops) == 0 && len(fields.totals()) == 0 && !holdsNextKey(body) {
		if err := fullPageFail(req, records); err != nil {
			return nil, "", "", err
		}
	}
	return SinglePage{}, KindSinglePage, "no Link header, next link, cursor or sign of more pages in the first response", nil
}

// headerCursorFail fails a first page of records whose response header
// holds the next page's cursor (dlt's mock sends "cursor"), which auto
// does not follow.
func headerCursorFail(req *Request, resp *Response, records []gjson.Result) error {
	if s := headerCursorSign(req, resp, func(string) bool { return false }); s != nil && len(records) > 0 {
		return autoFail(fmt.Sprintf("%s, which auto does not follow (%s)", s.detail, s.fix))
	}
	return nil
}

// holdsNextKey reports whether a body holds, down to five objects deep,
// a key containing "next" whatever its value: Slack's last page says it
// is the last with an empty next_cursor.
func holdsNextKey(body []byte) bool {
	found := false
	var walk func(obj gjson.Result, depth int)
	walk = func(obj gjson.Result, depth int) {
		obj.ForEach(func(k, v gjson.Result) bool {
			if strings.Contains(strings.ToLower(k.String()), "next") {
				found = true
				return false
			}
			if v.IsObject() && depth < 5 {
				walk(v, depth+1)
			}
			return !found
		})
	}
	walk(gjson.ParseBytes(body), 1)
	return found
}

// pageSizeParams are the query parameters by which APIs are asked for a
// page size.
var pageSizeParams = []string{"limit", "per_page", "perPage", "page_size", "pageSize", "count", "max", "maxResults", "max_results", "size", "$top", "top"}

// fullPageFail fails a first page that says nothing of a next page (no
// next key, even empty, no flag, no total) but holds exactly as many records as a page-size parameter of the request
// asked for: Trello's actions, a bare array of limit records paged by
// before=<id>, would load as the first limit of them. A list whose size
// is that number fails too, and the error says to write single_page.
func fullPageFail(req *Request, records []gjson.Result) error {
	if len(records) == 0 {
		return nil
	}
	q := req.URL.Query()
	for _, name := range pageSizeParams {
		if n, err := strconv.Atoi(q.Get(name)); err == nil && n == len(records) {
			return autoFail(fmt.Sprintf("the first page holds %d records, as many as query parameter %q asked for, and shows no sign of a next page, so more may follow (write single_page if %d is all there is)", n, name, n))
		}
	}
	return nil
}

func autoFail(what string) error {
	return fmt.Errorf("auto: %s: %w (set the paginator the API pages with: offset with limit and total_path, page_number, cursor with cursor_path and cursor_param, last_id, json_link with next_url_path; or single_page if there is one page)", what, ErrMorePages)
}

// nextCandidates lists, in document order, the values under keys that
// contain "next" (any case) down to five objects deep; an object value
// gives its first member of nextMembers (href, url, uri, link, after,
// starting_after, cursor, offset) instead. Arrays (the
// records) are not entered.
func nextCandidates(body []byte) []candidate {
	var out []candidate
	var walk func(prefix string, obj gjson.Result, depth int)
	walk = func(prefix string, obj gjson.Result, depth int) {
		obj.ForEach(func(k, v gjson.Result) bool {
			path := prefix + escapePath(k.String())
			if key := strings.ToLower(k.String()); strings.Contains(key, "next") || strings.HasPrefix(key, "continuation") {
				if v.IsObject() {
					for _, m := range nextMembers {
						if w := v.Get(m); w.Type == gjson.String && strings.TrimSpace(w.Str) != "" {
							out = append(out, candidate{path: path + "." + m, value: w, key: m})
							return true
						}
					}
				} else if (v.Type == gjson.String && strings.TrimSpace(v.Str) != "") || v.Type == gjson.Number {
					out = append(out, candidate{path: path, value: v, key: k.String()})
					return true
				}
			}
			if v.IsObject() && depth < 5 {
				walk(path+".", v, depth+1)
			}
			return true
		})
	}
	walk("", gjson.ParseBytes(body), 1)
	return out
}

// cursorKey reports whether path names a cursor: its last key holds
// "cursor" or "token", is "after", "offset" or "next_offset" (Chargebee's
// opaque next_offset, sent back as offset), or is "next" inside a cursors
// object.
func cursorKey(path string) bool {
	p := strings.ToLower(path)
	last := p[strings.LastIndexByte(p, '.')+1:]
	return strings.Contains(last, "cursor") || strings.Contains(last, "token") || last == "after" ||
		last == "starting_after" || last == "offset" || last == "next_offset" || strings.HasSuffix(p, "cursors.next")
}

// numeric reports whether s is a whole number: an offset echoed back, not
// a token.
func numeric(s string) bool {
	_, err := strconv.Atoi(strings.TrimSpace(s))
	return err == nil
}

// cursorParam names the query parameter of a detected cursor after its
// key: nextPageToken gives pageToken, next_page_token page_token,
// next_cursor and next (in cursors) cursor, after after.
func cursorParam(key string) string {
	lower := strings.ToLower(key)
	if !strings.HasPrefix(lower, "next") {
		if lower == "after" || lower == "starting_after" || lower == "offset" || strings.HasPrefix(lower, "continuation") {
			return key
		}
		return "cursor"
	}
	rest := strings.TrimLeft(key[len("next"):], "_-")
	if rest == "" {
		return "cursor"
	}
	return strings.ToLower(rest[:1]) + rest[1:]
}

// flagsIn returns the flags of body that end a walk when they flip:
// has_more-style flags (done when false) and end_of_stream-style flags
// (done when true).
func flagsIn(body []byte) []doneFlag {
	var out []doneFlag
	for _, p := range pagingObjects {
		for _, n := range moreFlags {
			if v := gjson.GetBytes(body, p+n); v.IsBool() {
				out = append(out, doneFlag{path: p + n, done: false})
			}
		}
		for _, n := range doneFlags {
			if v := gjson.GetBytes(body, p+n); v.IsBool() {
				out = append(out, doneFlag{path: p + n, done: true})
			}
		}
	}
	return out
}

func urlish(s string) bool {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "?") {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// nestedPageInfo returns the path of a GraphQL connection's
// pageInfo.hasNextPage (or page_info.has_next_page) that is true below
// the top level (data.issues.pageInfo), four objects deep at most, arrays
// not entered; "" when there is none.
func nestedPageInfo(body []byte) string {
	var found string
	var walk func(prefix string, obj gjson.Result, depth int)
	walk = func(prefix string, obj gjson.Result, depth int) {
		obj.ForEach(func(k, v gjson.Result) bool {
			path := prefix + escapePath(k.String())
			if !v.IsObject() {
				return true
			}
			if key := k.String(); key == "pageInfo" || key == "page_info" {
				for _, f := range []string{"hasNextPage", "has_next_page"} {
					if v.Get(f).Type == gjson.True {
						found = path + "." + f
						return false
					}
				}
			}
			if depth < 4 {
				walk(path+".", v, depth+1)
			}
			return found == ""
		})
	}
	walk("", gjson.ParseBytes(body), 0)
	return found
}

// sentIn names the setting that carries the position to the API in the
// paginator auto chose, or "" before it chose one or for one that
// follows links.
func (a *Auto) sentIn() string {
	if s, ok := a.chosen.(sender); ok {
		return s.sentIn()
	}
	return ""
}
