package rest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// Sentinel errors of the stop rules, matched with errors.Is.
var (
	// ErrMorePages reports a paginator that would stop while the response
	// says there is more: a has_more flag that is true, a total above the
	// records read, a next link or cursor the paginator does not follow.
	// Finishing would load part of the data as if it were all of it.
	ErrMorePages = errors.New("more pages than the paginator follows")
	// ErrMaxPages reports a request chain that reached max_pages while the
	// response still pointed to a next page.
	ErrMaxPages = errors.New("max_pages reached")
	// ErrShifted reports an offset or page_number walk whose total
	// changed between pages: records were added or removed while it
	// paged, so the offsets after the change point elsewhere and records
	// may be skipped or read twice.
	ErrShifted = errors.New("the collection changed while it was paged")
)

// bounds is what every paginator keeps of its chain for max_pages and the
// end check: the pages and records seen so far.
type bounds struct {
	kind           string // as errors name it: "json_link", "auto (json_link)"
	maxPages       int
	pages, records int
	placed         map[string]bool // values written as {paginator.NAME}
}

func (b *bounds) reset() { b.pages, b.records = 0, 0 }

// count notes one more page of records; every Next calls it first.
func (b *bounds) count(records int) {
	b.pages++
	b.records += records
}

// more lets the walk go on, unless max_pages pages were requested.
func (b *bounds) more() (bool, error) {
	if b.maxPages > 0 && b.pages >= b.maxPages {
		return false, fmt.Errorf("%s: %w: %d pages requested and the response points to another (raise max_pages if the API has more; a next link that changes on every page never ends)", b.kind, ErrMaxPages, b.maxPages)
	}
	return true, nil
}

// end stops the walk, or fails when resp still shows further pages that
// the paginator's own rule (why) did not see. reached is the number of
// records up to the end of this page (-1 when unknown); used names what
// the paginator itself read (a gjson path, or "Link"), which is not
// evidence against it.
//
// A page after the first that is {} fails too, whatever the paginator:
// Square sends {} for an empty list, so Select reads it as no records,
// but after a page that promised more it is no end the API gave, and
// read as one it would end the walk short.
func (b *bounds) end(req *Request, resp *Response, records, reached int, why string, used ...string) (bool, error) {
	if noContent := resp.StatusCode == http.StatusNoContent; records == 0 && b.pages > 1 && (noContent || resp.emptyAtPath || emptyObject(resp.Body)) {
		after, what := "page", "{}"
		if strings.Contains(b.kind, "cursor") {
			after = "cursor"
		}
		switch {
		case noContent:
			what = "a 204 No Content"
		case resp.emptyAtPath:
			what = "{} at the data_selector"
		}
		return false, fmt.Errorf("%s: page %d is %s after a %s that promised more: %w (run again; if the API sends %s to end a walk, set single_page or has_more_path)", b.kind, b.pages, what, after, ErrMorePages, what)
	}
	if s := moreSign(req, resp, records, reached, used); s != nil {
		return false, fmt.Errorf("%s: %s, but %s: %w (%s)", b.kind, why, s.detail, ErrMorePages, s.fix)
	}
	return false, nil
}

// sign is evidence in a response that more pages exist.
type sign struct {
	field  string // gjson path, or "Link"
	detail string // what it shows
	fix    string // the setting that follows it
}

// Names under which APIs say whether more pages follow, at the top level
// of the body or in one of its paging objects.
var (
	pagingObjects = []string{"", "meta.", "pagination.", "paging.", "page_info.", "pageInfo.", "response_metadata.", "page.",
		"meta.pagination.", "meta.page.", "meta.paging.", // CrowdStrike's meta.pagination.total, Datadog's meta.page.after
		"result_info.", "additional_data.", "additional_data.pagination.", // Cloudflare's result_info.total_count, Pipedrive's more_items_in_collection
		"data.pagination."} // Segment's data.pagination.totalEntries
	moreFlags = []string{"has_more", "hasMore", "more", "has_next", "hasNext", "has_next_page", "hasNextPage", "more_results", "moreResults",
		"moreResult", "more_items_in_collection"}
	doneFlags  = []string{"end_of_stream", "endOfStream", "is_last", "isLast", "last", "isLastBatch", "is_last_batch", "isLastPage", "is_last_page", "lastPage", "last_page"}
	totalNames = []string{"total", "total_count", "totalCount", "total_results", "totalResults", "total_items", "totalItems", "total_size", "totalSize", "total_elements", "totalElements", "total_records", "totalRecords", "total_resources", "totalResources", "itemCount", "item_count", "totalEntries", "total_entries",
		"total-count",  // JSON:API kebab case: HCP Terraform's meta.pagination.total-count
		"@odata.count"} // OData's $count=true (Microsoft Graph, Defender, Dynamics)
)

// moreSign looks for evidence of further pages in a response whose
// paginator is about to stop. A flag that says the walk is done
// (has_more false, end_of_stream true) settles it: no evidence. Next links
// and cursors count only on a page that held records, since an empty page
// is the documented end of link walks.
func moreSign(req *Request, resp *Response, records, reached int, used []string) *sign {
	skip := func(field string) bool {
		for _, u := range used {
			if u == field {
				return true
			}
		}
		return false
	}
	body := resp.Body
	if gjson.ValidBytes(body) && gjson.ParseBytes(body).IsObject() {
		fields := readPagingFields(body)
		if _, done := fields.flag(doneFlags, true); done {
			return nil
		}
		if _, done := fields.flag(moreFlags, false); done {
			return nil
		}
		if f, more := fields.flag(moreFlags, true); more && !skip(f) {
			return &sign{f, fmt.Sprintf("body %q is true", f), "set a paginator that follows it: cursor with cursor_path, last_id with id_path, or json_link with next_url_path, and has_more_path " + quote(f)}
		}
		if reached >= 0 {
			for _, t := range fields.totals() {
				if int(t.v.Num) > reached && !skip(t.path) {
					return &sign{t.path, fmt.Sprintf("body %q is %s and %d records were read", t.path, t.v.Raw, reached), "set total_path " + quote(t.path) + " on an offset paginator (a total of records; page_number's total_path counts pages), or a paginator that reaches the rest"}
				}
			}
		}
		if s := searchTotalSign(body, reached, skip); s != nil {
			return s
		}
		if f, notLast := fields.flag(doneFlags, false); notLast && !skip(f) {
			// Jira's search/jql: isLast false on every page but the last.
			return &sign{f, fmt.Sprintf("body %q is false", f), "check that the paginator's cursor_path or next_url_path names where this API puts the next page"}
		}
		if records > 0 {
			if s := nextKey(req, body, skip); s != nil {
				return s
			}
		}
	}
	if s := contentRangeSign(resp, reached); s != nil && !skip(s.field) {
		return s
	}
	if s := nextRangeSign(resp); s != nil && !skip(s.field) {
		return s
	}
	if records > 0 && !skip("Link") {
		if link, ok := linkRel(resp.Header, "next"); ok && !sameLink(req, link) {
			return &sign{"Link", fmt.Sprintf("the Link header still has rel=\"next\" %s", redactLink(req, link)), "set paginator: header_link"}
		}
	}
	if records > 0 {
		return headerCursorSign(req, resp, skip)
	}
	return nil
}

// headerCursorSign finds a response header that holds the next page's
// cursor, page or continuation token (dlt's mock and others send
// "cursor"; X-Next-Cursor, GitLab's X-Next-Page, x-ms-continuationtoken)
// with a value this request did not send. Its value is not shown: a
// header may carry what a log should not.
func headerCursorSign(req *Request, resp *Response, skip func(string) bool) *sign {
	names := make([]string, 0, len(resp.Header))
	for name := range resp.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		lower := strings.ToLower(name)
		next := strings.Contains(lower, "next") && (strings.Contains(lower, "cursor") || strings.Contains(lower, "token") || strings.Contains(lower, "page"))
		if !next && lower != "cursor" && !strings.Contains(lower, "continuation") || skip(name) {
			continue
		}
		if v := strings.TrimSpace(resp.Header.Get(name)); v != "" && !echoed(req, v) {
			return &sign{name, fmt.Sprintf("response header %q holds a value", name), "set paginator header_cursor with cursor_key " + quote(name)}
		}
	}
	return nil
}

// estimate reports whether the total at path is one its API documents as
// an estimate, no count to hold a walk to: Google's pageInfo.totalResults
// (YouTube's search.list answers 1,000,000 and pages no deeper than 500).
func estimate(path string) bool { return path == "pageInfo.totalResults" }

// nextKey finds a key beginning with "next" (or "continuation") at the
// top level or one level down that still holds a link or a cursor.
func nextKey(req *Request, body []byte, skip func(string) bool) *sign {
	var found *sign
	check := func(path string, v gjson.Result) {
		if found != nil || skip(path) {
			return
		}
		val := v
		if v.IsObject() {
			// The paginator's own member (Asana's next_page.uri) has
			// been read; another that still leads on (next_page.offset,
			// a token this request did not send) is a sign.
			obj, read := path, false
			for _, k := range nextMembers {
				if w := v.Get(k); w.Exists() && w.Type != gjson.Null {
					if skip(obj + "." + k) {
						read = true
						continue
					}
					val, path = w, obj+"."+k
					break
				}
			}
			if path == obj && read {
				return
			}
			if path == obj && holdsValue(v) {
				found = &sign{path, fmt.Sprintf("body %q still holds %s", path, kindText(v)), "set a cursor_path to the member that leads to the next page, or single_page if the API sends this on its last page"}
				return
			}
		}
		switch {
		case val.Type == gjson.String && strings.TrimSpace(val.Str) != "":
			if urlish(val.Str) {
				if sameLink(req, val.Str) {
					return
				}
				found = &sign{path, fmt.Sprintf("body %q still holds the link %s", path, redactLink(req, val.Str)), "set json_link with next_url_path " + quote(path)}
				return
			}
			if echoed(req, val.Str) {
				return // the cursor this page was asked with, sent back
			}
			found = &sign{path, fmt.Sprintf("body %q still holds %q", path, cursorText(val.Str)), "set cursor with cursor_path " + quote(path) + " and the cursor_param the API reads"}
		case val.Type == gjson.Number, val.Type == gjson.True:
			found = &sign{path, fmt.Sprintf("body %q is %s", path, val.Raw), "set the paginator the API pages with"}
		}
	}
	gjson.ParseBytes(body).ForEach(func(k, v gjson.Result) bool {
		key := escapePath(k.String())
		if isNextKey(k.String()) {
			check(key, v)
		} else if v.IsObject() {
			v.ForEach(func(k2, v2 gjson.Result) bool {
				if isNextKey(k2.String()) {
					check(key+"."+escapePath(k2.String()), v2)
				}
				return found == nil
			})
		}
		return found == nil
	})
	return found
}

// nextMembers are the members of a next object ("next_page": {…},
// "links.next": {…}) that hold its link or cursor, links first: Asana's
// next_page has offset, path and uri; Intercom's pages.next page and
// starting_after; HAL's next href.
var nextMembers = []string{"href", "url", "uri", "link", "after", "starting_after", "cursor", "offset"}

// holdsValue reports whether the object v has a member that is not null,
// false or empty: a next object that says where the next page is in a
// form no paginator reads ({"page": 3}).
func holdsValue(v gjson.Result) bool {
	held := false
	v.ForEach(func(_, m gjson.Result) bool {
		held = truthy(m)
		return !held
	})
	return held
}

// isNextKey reports whether a body key names the next page: it begins
// with "next", or its last part does ("@odata.nextLink", "odata.nextLink",
// OData v2's "__next").
func isNextKey(k string) bool {
	k = strings.ToLower(k)
	if i := strings.LastIndexAny(k, ".@:"); i >= 0 {
		k = k[i+1:]
	}
	k = strings.TrimLeft(k, "_")
	return strings.HasPrefix(k, "next") || strings.HasPrefix(k, "continuation") // Azure's continuationToken
}

// echoed reports whether cursor is the value of one of req's query
// parameters: the cursor the page was asked with, which an API may send
// back beside the page (Azure Data Factory's continuationToken).
func echoed(req *Request, cursor string) bool {
	for _, vs := range req.URL.Query() {
		for _, v := range vs {
			if v == cursor {
				return true
			}
		}
	}
	return false
}

// sameLink reports whether link resolves to req's own URL.
func sameLink(req *Request, link string) bool {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return false
	}
	return canonicalURL(req.URL.ResolveReference(u)) == canonicalURL(req.URL)
}

func redactLink(req *Request, link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return "(not a URL)"
	}
	return redactURL(req.URL.ResolveReference(u))
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// hasMore fails a walk that stops (why) while has_more_path, read as true
// on this page, says more pages follow.
func (b *bounds) hasMore(path, why, fix string) (bool, error) {
	return false, fmt.Errorf("%s: %s, but has_more_path %q is true: %w (%s)", b.kind, why, path, ErrMorePages, fix)
}

// doneFlag is a flag found by detection that ends a walk when the body
// holds the boolean value done: end_of_stream true, has_more false.
type doneFlag struct {
	path string
	done bool
}

func doneBy(body []byte, flags []doneFlag) bool {
	for _, f := range flags {
		v := gjson.GetBytes(body, f.path)
		if (v.Type == gjson.True && f.done) || (v.Type == gjson.False && !f.done) {
			return true
		}
	}
	return false
}

// contentRangeSign reads a Content-Range of items, as PostgREST sends
// with its 206 Partial Content ("0-24/3573458"): a total past the last
// item sent, or past the records read, is more pages.
func contentRangeSign(resp *Response, reached int) *sign {
	cr := strings.TrimSpace(resp.Header.Get("Content-Range"))
	unit, rest, ok := strings.Cut(cr, " ")
	if !ok {
		rest = cr // PostgREST writes no unit
	} else if unit == "bytes" {
		return nil
	}
	span, total, ok := strings.Cut(rest, "/")
	if !ok {
		return nil
	}
	_, last, ok := strings.Cut(span, "-")
	n, err1 := strconv.Atoi(total)
	l, err2 := strconv.Atoi(last)
	if !ok || err1 != nil || err2 != nil || (l+1 >= n && (reached < 0 || reached >= n)) {
		return nil
	}
	return &sign{"Content-Range", fmt.Sprintf("status %d with Content-Range %q: items to %d of %d were sent", resp.StatusCode, cr, l+1, n), "set paginator: offset with limit (PostgREST reads limit and offset)"}
}

// nextRangeSign is a sign of more pages in a Next-Range response header:
// Heroku's Platform API (and APIs built after its HTTP API design guide)
// answers a truncated list with 206 Partial Content and the next range
// in Next-Range, to be sent back as the Range request header.
func nextRangeSign(resp *Response) *sign {
	v := strings.TrimSpace(resp.Header.Get("Next-Range"))
	if v == "" {
		return nil
	}
	return &sign{"Next-Range", fmt.Sprintf("status %d with header Next-Range %q", resp.StatusCode, cursorText(v)), `set paginator: {type: header_cursor, cursor_key: Next-Range} and headers: {Range: "{paginator.cursor}"}, which sends it back as the Range header`}
}
