package rest

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
)

var _ Paginator = (*JSONLink)(nil)

// JSONLink follows a next link found in the response body (json_link, or
// json_response, dlt's old name).
//
// Fields: next_url_path (gjson path of the link; a JSON:API link object
// {"href": ...} is accepted; a path the body does not hold is also read
// as one top-level key, so OData's "@odata.nextLink" works as the docs
// spell it), relative_to ("url": a relative link is
// resolved against the request URL as RFC 3986 says; "base_url": the
// link's path is appended to client.base_url's path and its query replaces
// the request's query entirely, for Snyk-style links that omit the API
// root "/rest"), has_more_path (gjson path of a boolean that is false on
// the last page), total_path (gjson path of the total of records, kept
// from the first page: links that carry an offset, as Django REST
// framework's, shift when it changes), max_pages.
//
// Stop rule: has_more is false; the link is missing, null or empty; the
// link equals the URL of the page it came from ("next == self"); or, with
// stop_after_empty_page, the page held no records. Otherwise an empty
// page with a next link is followed, as Microsoft Graph's delta queries
// require, up to maxEmptyRun in a row (an error wrapping ErrLoop).
// A link seen before is an error wrapping ErrLoop;
// stopping while the response shows more pages (has_more true, a next
// link elsewhere) an error wrapping ErrMorePages. A link that is a query
// alone and leaves out parameters of the request is an error: followed,
// it would ask the next pages without them (see droppedParams); so is any
// link that leaves out or changes a parameter the request took from its
// parent record (see parentParams).
type JSONLink struct {
	path        string
	literal     string   // path escaped as one top-level key, when that differs
	base        *url.URL // set for relative_to: base_url
	hasMorePath string
	totalPath   string
	total       int // total_path on the first page, -1 before it
	// Without total_path: the total of records the first page shows
	// (detectTotal), held to when the links page by position.
	totalSeen  recordTotal
	positional bool // the first link followed steps a page number or offset
	// firstLast is the first page's link to the last page, the key
	// "last" beside next_url_path's (Opsgenie's paging.last), resolved;
	// "" when it has none.
	firstLast string
	stopWhen  []doneFlag // detected flags that end the walk (auto)
	seen      map[string]bool
	stopEmpty bool // stop_after_empty_page
	empty     emptyRun
	bounds
}

func newJSONLink(c PaginatorConfig, base *url.URL, b bounds) (*JSONLink, error) {
	if c.NextURLPath == "" {
		return nil, fmt.Errorf("json_link: next_url_path is empty")
	}
	j := &JSONLink{path: c.NextURLPath, hasMorePath: c.HasMorePath, totalPath: c.TotalPath, stopEmpty: c.StopAfterEmptyPage, bounds: b}
	if lit := escapePath(c.NextURLPath); lit != c.NextURLPath {
		j.literal = lit
	}
	switch c.RelativeTo {
	case "url":
	case "base_url":
		if base == nil || !base.IsAbs() {
			return nil, fmt.Errorf("json_link: relative_to base_url needs an absolute client.base_url")
		}
		j.base = base
	default:
		return nil, fmt.Errorf("json_link: relative_to %q (want url or base_url)", c.RelativeTo)
	}
	return j, nil
}

// Init remembers the first URL, so a link back to it is a loop.
func (j *JSONLink) Init(req *Request) error {
	j.seen = map[string]bool{canonicalURL(req.URL): true}
	j.empty, j.total = 0, -1
	j.totalSeen.reset()
	j.positional = false
	j.firstLast = ""
	j.reset()
	return nil
}

// Next points req at the next link of resp.
func (j *JSONLink) Next(req *Request, resp *Response, page []gjson.Result) (bool, error) {
	records := len(page)
	j.count(records)
	used := []string{j.path, j.path + ".href", j.hasMorePath}
	if j.literal != "" {
		used = append(used, j.literal, j.literal+".href")
	}
	stop := func(why string) (bool, error) { return j.end(req, resp, records, j.records, why, used...) }
	// A positional walk that ends before the last page its first page
	// linked (Opsgenie's paging.last) read a collection that shrank.
	if j.positional && j.firstLast != "" {
		end := stop
		stop = func(why string) (bool, error) {
			if u, err := url.Parse(j.firstLast); err == nil && !j.seen[canonicalURL(u)] && canonicalURL(u) != canonicalURL(req.URL) && !notAfter(u, req.URL) {
				return false, fmt.Errorf("%s: %s, but the first page's link to the last page was %s, a page not read yet: %w (the collection changed while it was paged; run again)", j.kind, why, redactLink(req, j.firstLast), ErrMorePages)
			}
			return end(why)
		}
	}
	if j.totalPath != "" {
		total, err := readTotal(resp.Body, j.totalPath, j.kind+": total_path")
		if err == nil {
			err = keepTotal(&j.total, total, fmt.Sprintf("%s: total_path %q was %d and is %d on page %d", j.kind, j.totalPath, j.total, total, j.pages), "links")
		}
		if err != nil {
			return false, err
		}
		end := stop
		stop = func(why string) (bool, error) {
			if j.records < total {
				return false, fmt.Errorf("%s: %s, but total_path %q is %d and %d records were read: %w (check next_url_path %q)", j.kind, why, j.totalPath, total, j.records, ErrMorePages, j.path)
			}
			return end(why)
		}
	}
	if j.totalPath == "" && (j.pages == 1 || j.positional) {
		// DigitalOcean's links.pages.next steps ?page=N under meta.total:
		// a record created mid-walk moves one onto a page read already.
		err := j.totalSeen.check(j.kind, resp, fmt.Sprintf("page %d", j.pages))
		if err != nil && j.positional {
			return false, err
		}
		if first := j.totalSeen.first; j.positional && first >= 0 {
			// PayPal's links drop total_required, so only the first page
			// holds total_items: the walk must end at it.
			end := stop
			stop = func(why string) (bool, error) {
				switch {
				case j.records < first:
					return false, fmt.Errorf("%s: %s, but %s on the first page was %d and %d records were read: %w (check next_url_path %q)", j.kind, why, j.totalSeen.where(), first, j.records, ErrMorePages, j.path)
				case j.records > first:
					return false, fmt.Errorf("%s: %s on the first page was %d and %d records were read: %w: pages shifted, so records may have been skipped or read twice (run again when the collection is quiet)", j.kind, j.totalSeen.where(), first, j.records, ErrShifted)
				}
				return end(why)
			}
		}
	}
	// The link to the last page matters to walks by position only.
	if j.pages == 1 || j.positional {
		if last, ok := j.lastLink(req, resp, page); ok {
			if j.pages == 1 {
				j.firstLast = last
			} else if j.firstLast != "" && last != j.firstLast {
				return false, fmt.Errorf("%s: the link to the last page beside next_url_path %q was %s and is %s on page %d: %w: links shifted, so records may have been skipped or read twice (run again when the collection is quiet)", j.kind, j.path, redactLink(req, j.firstLast), redactLink(req, last), j.pages, ErrShifted)
			}
		}
	}
	if j.hasMorePath != "" {
		more, err := readBool(resp.Body, j.hasMorePath, j.kind+": has_more_path")
		if err != nil {
			return false, err
		}
		if !more {
			return false, nil
		}
		stop = func(why string) (bool, error) {
			return j.hasMore(j.hasMorePath, why, "check next_url_path "+quote(j.path))
		}
	}
	if doneBy(resp.Body, j.stopWhen) {
		return false, nil
	}
	v := getPath(resp.Body, j.path, page)
	if !v.Exists() && j.literal != "" {
		// "@odata.nextLink" as the docs spell it: gjson reads "@" as a
		// modifier and "." as a level, but the body holds that very key.
		v = gjson.GetBytes(resp.Body, j.literal)
	}
	if v.IsObject() {
		v = v.Get("href")
	}
	if !v.Exists() || v.Type == gjson.Null {
		return stop(fmt.Sprintf("no link at next_url_path %q", j.path))
	}
	if v.Type != gjson.String {
		return false, fmt.Errorf("%s: next_url_path %q is %s, want a URL", j.kind, j.path, kindText(v))
	}
	link := strings.TrimSpace(v.Str)
	if link == "" {
		return stop(fmt.Sprintf("no link at next_url_path %q", j.path))
	}
	next, err := resolveLink(req.URL, j.base, link)
	if err != nil {
		return false, fmt.Errorf("%s: %w", j.kind, err)
	}
	if dropped := droppedParams(req.URL, j.base, link, next); len(dropped) > 0 {
		return false, fmt.Errorf("%s: the next link %q at next_url_path %q is a query alone, which replaces the request's whole query (RFC 3986): the next pages would be asked without %s; set cursor with the cursor_path of the link's parameter, which is sent beside the others", j.kind, cursorText(queryText(link)), j.path, strings.Join(dropped, ", "))
	}
	if lost := parentParams(req, next); len(lost) > 0 {
		return false, fmt.Errorf("%s: the next link %s at next_url_path %q leaves out %s, which the request took from its parent record: %w", j.kind, redactURL(next), j.path, strings.Join(lost, ", "), errParentDropped)
	}
	if canonicalURL(next) == canonicalURL(req.URL) {
		// Snyk's last page links itself as next; a page that does so while
		// its link to the last page names a page not read yet repeats
		// itself by mistake (as header_link's rel="last" tells).
		more, err := stop(fmt.Sprintf("the next link at next_url_path %q is the page's own URL", j.path))
		if err != nil {
			return more, err // a total read below it says more
		}
		if last, ok := j.lastLink(req, resp, page); ok {
			if u, err := url.Parse(last); err == nil && canonicalURL(u) != canonicalURL(req.URL) && !j.seen[canonicalURL(u)] && !notAfter(u, req.URL) {
				return false, fmt.Errorf("%s: the next link at next_url_path %q is the page's own URL, but the link to the last page beside it is %s, a page not read yet: %w (the API repeated a page's link instead of the next one)", j.kind, j.path, redactLink(req, last), ErrMorePages)
			}
		}
		return more, nil
	}
	if j.stopEmpty && records == 0 {
		return stop("the page held no records (stop_after_empty_page)")
	}
	if err := j.empty.note(&j.bounds, records); err != nil {
		return false, err
	}
	if j.pages == 1 {
		// A parameter the link leaves out (PayPal's total_required, which
		// shapes the envelope only) does not move the walk.
		prev, to := queryParams(req.URL), queryParams(next)
		for k := range prev {
			if _, ok := to[k]; !ok {
				delete(prev, k)
			}
		}
		j.positional = sameList(req.URL, next) && StepsByPosition(prev, to, records)
	}
	return followLink(&j.bounds, j.seen, req, next)
}

// errParentDropped ends a walk whose next link leaves out a query
// parameter that carries the parent record's value: dlt's mock links
// post_comments?page=2 from post_comments?post_id=3, and the pages after
// would hold another post's comments.
var errParentDropped = errors.New("the pages after it would hold another parent's records, or every parent's (page with offset or page_number, which keep the request's parameters, or with cursor and the cursor_path of the link's parameter)")

// parentParams returns the parameters of req.Parent that next lacks or
// holds with another value.
func parentParams(req *Request, next *url.URL) []string {
	if len(req.Parent) == 0 {
		return nil
	}
	cur, have := req.URL.Query(), next.Query()
	var out []string
	for _, k := range req.Parent {
		if have.Get(k) != cur.Get(k) {
			out = append(out, k)
		}
	}
	return out
}

// droppedParams returns, sorted, the query parameters of cur that a next
// link written as a query alone ("?after=NTI1Cg%3D%3D", as HubSpot's
// docs show paging.next.link) leaves out of next: resolved as RFC 3986
// says, it replaces the whole query, and an API that meant the cursor to
// be added to the request would answer the next pages without the
// properties, filters or limit asked for, altering the data in silence.
// With relative_to base_url the link's query replaces the request's by
// definition, and a link with a path names its page in full.
func droppedParams(cur, base *url.URL, link string, next *url.URL) []string {
	if base != nil || !strings.HasPrefix(link, "?") {
		return nil
	}
	have := next.Query()
	var out []string
	for k := range cur.Query() {
		if _, ok := have[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// queryText is a next link that is a query alone, sensitive-looking
// parameters hidden.
func queryText(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return "(not a URL)"
	}
	return redactURL(u)
}

// maxEmptyRun is how many empty pages in a row a link walk follows while
// each links another: Microsoft Graph's delta queries serve a few before
// the records; an API whose links run on past its last page (a cursor
// that advances on every empty page) would otherwise be followed up to
// max_pages.
const maxEmptyRun = 10

// emptyRun counts the empty pages in a row of a link walk.
type emptyRun int

// note counts a page of records; at maxEmptyRun empty pages in a row it
// returns an error wrapping ErrLoop.
func (e *emptyRun) note(b *bounds, records int) error {
	if records > 0 {
		*e = 0
		return nil
	}
	if *e++; *e >= maxEmptyRun {
		return fmt.Errorf("%s: %d empty pages in a row, each linking another: %w (the API's links run on past its last page)", b.kind, int(*e), ErrLoop)
	}
	return nil
}

// followLink moves req to next unless next is a page seen before
// (ErrLoop) or max_pages is reached (ErrMaxPages).
func followLink(b *bounds, seen map[string]bool, req *Request, next *url.URL) (bool, error) {
	key := canonicalURL(next)
	if seen[key] {
		return false, fmt.Errorf("%s: next link %s seen before: %w", b.kind, redactURL(next), ErrLoop)
	}
	if more, err := b.more(); !more {
		return false, err
	}
	seen[key] = true
	req.URL = next
	return true, nil
}

// resolveLink makes link absolute: as is when it has a scheme, appended
// to base's path when base is set, else resolved against cur.
func resolveLink(cur, base *url.URL, link string) (*url.URL, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("next link is not a URL: %w", err)
	}
	if u.IsAbs() {
		return u, nil
	}
	if base == nil {
		return cur.ResolveReference(u), nil
	}
	j := *base
	j.RawQuery, j.Fragment, j.RawFragment = u.RawQuery, "", ""
	if p := u.EscapedPath(); p != "" {
		esc := strings.TrimSuffix(base.EscapedPath(), "/") + "/" + strings.TrimPrefix(p, "/")
		dec, err := url.PathUnescape(esc)
		if err != nil {
			return nil, fmt.Errorf("next link path: %w", err)
		}
		j.Path, j.RawPath = dec, esc
	}
	return &j, nil
}

// lastLink returns the resolved URL under the key "last" beside
// next_url_path's last key (paging.next: paging.last), if it holds one.
// It steps over the page's records, as the next link is read (getPath).
func (j *JSONLink) lastLink(req *Request, resp *Response, page []gjson.Result) (string, bool) {
	p := "last"
	if i := strings.LastIndexByte(j.path, '.'); i >= 0 {
		p = j.path[:i] + ".last"
	}
	v := getPath(resp.Body, p, page)
	if v.IsObject() {
		v = v.Get("href")
	}
	if v.Type != gjson.String || !urlish(v.Str) {
		return "", false
	}
	u, err := resolveLink(req.URL, j.base, strings.TrimSpace(v.Str))
	if err != nil {
		return "", false
	}
	return u.String(), true
}
