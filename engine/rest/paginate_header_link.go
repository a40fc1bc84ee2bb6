package rest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

var _ Paginator = (*HeaderLink)(nil)

// HeaderLink follows the RFC 8288 Link response header (header_link), as
// GitHub pages.
//
// Fields: links_next_key (the rel to follow), max_pages. Relative links
// are resolved against the request URL.
//
// Stop rule: no link with that rel (a link with results="false", as
// Sentry marks its last page, counts as none); or the link equals the URL
// of the page it came from; or, with stop_after_empty_page, the page held
// no records. Otherwise an empty page with a next link is followed, as
// the link says more may come, up to maxEmptyRun in a row (an error
// wrapping ErrLoop). A link seen before is an error
// wrapping ErrLoop; stopping while the body shows more pages (has_more
// true, a total above the records read), on a next link equal to the
// page's own URL or on no next link while rel="last" names another page
// not read yet, or for want of
// another links_next_key while the header has rel="next", an error
// wrapping ErrMorePages. A link that leaves out or changes a parameter
// the request took from its parent record is an error (parentParams).
// When the links step a page number or an offset, a total of records
// that changes between pages is an error wrapping ErrShifted.
type HeaderLink struct {
	rel       string
	seen      map[string]bool
	stopEmpty bool // stop_after_empty_page
	empty     emptyRun
	// The total of records the first page shows (WordPress' X-WP-Total,
	// GitLab's X-Total, or one in the body), held to when the links page
	// by position: a record created mid-walk moves another onto a page
	// read already.
	totalSeen  recordTotal
	positional bool // the first link followed steps a page number or offset
	// lastLink is the latest rel="last" an earlier page named, resolved:
	// a walk that ends before it lost the records of a list that shrank.
	lastLink string
	bounds
}

// Init remembers the first URL, so a link back to it is a loop.
func (h *HeaderLink) Init(req *Request) error {
	h.seen = map[string]bool{canonicalURL(req.URL): true}
	h.empty = 0
	h.totalSeen.reset()
	h.positional = false
	h.lastLink = ""
	h.reset()
	return nil
}

// Next points req at the Link header's next URL.
func (h *HeaderLink) Next(req *Request, resp *Response, page []gjson.Result) (bool, error) {
	records := len(page)
	h.count(records)
	switch {
	case resp.Loaded:
		// a partial answer a response_action loads as it is (GitHub's
		// search with incomplete_results) says nothing firm of a total
		h.totalSeen.drop()
	case h.pages == 1 || h.positional:
		if err := h.totalSeen.check(h.kind, resp, fmt.Sprintf("page %d", h.pages)); err != nil && h.positional {
			return false, err
		}
	}
	lastHere, hasLast := linkRel(resp.Header, "last")
	if hasLast {
		if u, err := resolveLink(req.URL, nil, lastHere); err == nil {
			h.lastLink = u.String()
		}
	}
	link, ok := linkRel(resp.Header, h.rel)
	if !ok {
		if other, ok := linkRel(resp.Header, "next"); ok && records > 0 && !strings.EqualFold(h.rel, "next") && !sameLink(req, other) {
			return false, fmt.Errorf("%s: no Link header with rel=%q, but the Link header has rel=\"next\" %s: %w (set links_next_key: next)", h.kind, h.rel, redactLink(req, other), ErrMorePages)
		}
		if last, ok := linkRel(resp.Header, "last"); ok && !sameLink(req, last) && !h.seenLink(req, last) {
			// Greenhouse, GitHub and GitLab name the last page beside the
			// next one: a last page not yet read with no next link to it
			// means the API left the next link out, not that the walk ended.
			return false, fmt.Errorf("%s: no Link header with rel=%q, but the Link header's rel=\"last\" is %s, a page not read yet: %w (the API left out the link to the next page; run again)", h.kind, h.rel, redactLink(req, last), ErrMorePages)
		}
		if !hasLast && h.lastLink != "" && !h.seenLink(req, h.lastLink) {
			// New Relic and GitHub send no rel="last" on the last page: a
			// walk that ends before the last page an earlier page named
			// read a list that shrank while it was paged, whose records
			// moved back onto pages already read.
			return false, fmt.Errorf("%s: no Link header with rel=%q, but an earlier page's rel=\"last\" was %s, a page not read yet: %w (the list shrank while it was paged, so records may have moved onto pages already read; run again)", h.kind, h.rel, redactLink(req, h.lastLink), ErrMorePages)
		}
		return h.end(req, resp, records, h.records, fmt.Sprintf("no Link header with rel=%q", h.rel), "Link")
	}
	next, err := resolveLink(req.URL, nil, link)
	if err != nil {
		return false, fmt.Errorf("%s: %w", h.kind, err)
	}
	if lost := parentParams(req, next); len(lost) > 0 {
		return false, fmt.Errorf("%s: the Link header's next link %s leaves out %s, which the request took from its parent record: %w", h.kind, redactURL(next), strings.Join(lost, ", "), errParentDropped)
	}
	if canonicalURL(next) == canonicalURL(req.URL) {
		// A page that names itself as next may be the last one, unless
		// the same header names a last page elsewhere (GitLab, GitHub):
		// then pages are missing and nothing in the spec reaches them.
		if last, ok := linkRel(resp.Header, "last"); ok && !sameLink(req, last) {
			return false, fmt.Errorf("%s: the next link is the page's own URL, but the Link header's rel=\"last\" is %s: %w (the API repeats this page instead of linking the next one; no paginator setting reaches the rest)", h.kind, redactLink(req, last), ErrMorePages)
		}
		return h.end(req, resp, records, h.records, "the next link is the page's own URL", "Link")
	}
	if h.stopEmpty && records == 0 {
		return h.end(req, resp, records, h.records, "the page held no records (stop_after_empty_page)", "Link")
	}
	if err := h.empty.note(&h.bounds, records); err != nil {
		return false, err
	}
	if h.pages == 1 {
		h.positional = sameList(req.URL, next) && StepsByPosition(queryParams(req.URL), queryParams(next), records)
	}
	return followLink(&h.bounds, h.seen, req, next)
}

// seenLink reports whether link, resolved against req, is a page the
// walk requested, or one at or before req's page by number (GitLab's
// rel="last" of a one-page list is page=1, asked for without a page).
func (h *HeaderLink) seenLink(req *Request, link string) bool {
	u, err := resolveLink(req.URL, nil, link)
	return err == nil && (h.seen[canonicalURL(u)] || notAfter(u, req.URL))
}

// notAfter reports whether last asks for cur's list at a place no
// further on than cur's: the one parameter that differs is an integer
// no greater in last, a parameter cur leaves out counting as the first
// place (GitLab's rel="last" of a one-page list is page=1, asked for
// without a page; ServiceNow's is sysparm_offset=0).
func notAfter(last, cur *url.URL) bool {
	if !sameList(last, cur) {
		return false
	}
	a, b := queryParams(cur), queryParams(last)
	k, ok := changedParam(a, b)
	if !ok {
		return false
	}
	to, err := strconv.Atoi(b[k])
	if err != nil {
		return false
	}
	at := 1 // a first page by number, or an offset of 0 or 1
	if v, ok := a[k]; ok {
		if at, err = strconv.Atoi(v); err != nil {
			return false
		}
	}
	return to <= at
}

// linkRel returns the target of the first link in the Link headers whose
// rel list holds rel (case-insensitive), as RFC 8288 writes them:
// `<https://x/?page=2>; rel="next", <https://x/?page=9>; rel="last"`.
// A link whose results parameter is "false" is none: Sentry sends
// rel="next" on every page and says so on the last one.
func linkRel(h http.Header, rel string) (string, bool) {
	for _, line := range h.Values("Link") {
		for _, l := range parseLinkHeader(line) {
			if l.noResults {
				continue
			}
			for _, r := range strings.Fields(l.rel) {
				if strings.EqualFold(r, rel) && l.target != "" {
					return l.target, true
				}
			}
		}
	}
	return "", false
}

type headerLink struct {
	target, rel string
	noResults   bool // results="false" (Sentry): the link leads to no records
}

// parseLinkHeader splits one Link header value into links, honouring
// quoted parameter values that contain commas or semicolons.
func parseLinkHeader(s string) []headerLink {
	var links []headerLink
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return links
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			return links
		}
		l := headerLink{target: strings.TrimSpace(s[i+1 : i+end])}
		s = s[i+end+1:]
		// Parameters run to the next comma outside quotes.
		for {
			s = strings.TrimLeft(s, " \t")
			if s == "" || s[0] == ',' {
				break
			}
			if s[0] != ';' {
				// Junk between parameters: skip to the next separator.
				j := strings.IndexAny(s, ";,")
				if j < 0 {
					s = ""
					break
				}
				s = s[j:]
				continue
			}
			s = strings.TrimLeft(s[1:], " \t")
			name, value, rest := parseLinkParam(s)
			s = rest
			switch {
			case strings.EqualFold(name, "rel") && l.rel == "":
				l.rel = value
			case strings.EqualFold(name, "results"):
				l.noResults = strings.EqualFold(value, "false")
			}
		}
		links = append(links, l)
	}
}

// parseLinkParam reads `name="value"` or `name=value` or `name` from the
// start of s and returns the rest.
func parseLinkParam(s string) (name, value, rest string) {
	j := strings.IndexAny(s, "=;,")
	if j < 0 {
		return strings.TrimSpace(s), "", ""
	}
	name = strings.TrimSpace(s[:j])
	if s[j] != '=' {
		return name, "", s[j:]
	}
	s = strings.TrimLeft(s[j+1:], " \t")
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for k := 1; k < len(s); k++ {
			switch s[k] {
			case '\\':
				if k+1 < len(s) {
					k++
					b.WriteByte(s[k])
				}
			case '"':
				return name, b.String(), s[k+1:]
			default:
				b.WriteByte(s[k])
			}
		}
		return name, b.String(), ""
	}
	k := strings.IndexAny(s, ";,")
	if k < 0 {
		return name, strings.TrimSpace(s), ""
	}
	return name, strings.TrimSpace(s[:k]), s[k:]
}
