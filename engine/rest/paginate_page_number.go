package rest

import (
	"fmt"
	"github.com/tidwall/gjson"
)

var (
	_ Paginator   = (*PageNumber)(nil)
	_ PageCounter = (*PageNumber)(nil)
)

// PageNumber pages with a page number parameter (page_number).
//
// Fields: base_page (the number of the API's first page), page (the first
// page to request), page_param (query parameter) or page_body_path (dotted
// path in the JSON request body instead), total_path (gjson path of the
// total number of PAGES; no default), maximum_page (stop before requesting
// this page, like dlt: 0 means none), has_more_path (gjson path of a
// boolean), stop_after_empty_page, parallel (pages in flight at once when
// total_path is set), max_pages. With stop_after_empty_page false one of
// total_path, maximum_page or has_more_path is required.
//
// Stop rule, checked after each page: has_more is false; the next page
// reaches total + base_page; the page held no records (when
// stop_after_empty_page); the next page reaches maximum_page. A total or
// has_more that cannot be read is an error; an empty page before the
// total, or has_more true on an empty page, wraps ErrMorePages; a total
// that differs from the first page's wraps ErrShifted (records were added
// or removed while the walk paged, so pages moved under it); a page that
// holds the same records as the one before wraps ErrLoop (the API ignores
// the page parameter, or counts from 1 and reads page 0 as page 1).
type PageNumber struct {
	base, first, maximum   int
	param, bodyPath        string
	totalPath, hasMorePath string
	stopEmpty              bool
	parallel               int
	cur                    int
	total                  int // the first page's total, -1 before it
	same                   samePage
	totalSeen              recordTotal
	bounds
}

func newPageNumber(c PaginatorConfig, b bounds) (*PageNumber, error) {
	n := &PageNumber{
		base: c.BasePage, first: c.Page, maximum: c.MaximumPage,
		param: c.PageParam, bodyPath: c.PageBodyPath,
		totalPath: c.TotalPath, hasMorePath: c.HasMorePath,
		stopEmpty: c.StopAfterEmptyPage, parallel: c.Parallel, bounds: b,
	}
	if n.param == "" && n.bodyPath == "" {
		return nil, fmt.Errorf("page_number: page_param (or page_body_path) must not be empty")
	}
	if n.first < n.base {
		return nil, fmt.Errorf("page_number: page %d is before base_page %d", n.first, n.base)
	}
	if !n.stopEmpty && n.totalPath == "" && n.maximum == 0 && n.hasMorePath == "" {
		return nil, fmt.Errorf("page_number: stop_after_empty_page is false and none of total_path, maximum_page or has_more_path is set, so paging would never stop")
	}
	return n, nil
}

// Init sets the first page number.
func (n *PageNumber) Init(req *Request) error {
	n.cur, n.total = n.first, -1
	n.reset()
	n.same.reset()
	n.totalSeen.reset()
	return n.set(req, n.cur)
}

func (n *PageNumber) set(req *Request, page int) error {
	if n.place(req, ValuePage, page) {
		return nil
	}
	if err := setParam(req, n.param, n.bodyPath, page); err != nil {
		return fmt.Errorf("page_number: page_body_path: %w", err)
	}
	return nil
}

// Next moves req to the next page unless a stop rule holds.
func (n *PageNumber) Next(req *Request, resp *Response, page []gjson.Result) (bool, error) {
	records := len(page)
	n.count(records)
	if n.same.repeats(page) {
		return false, fmt.Errorf("page_number: page %d holds the same %d records as the page before it: %w (the API ignores %s, or reads page %d as page %d: check the name it reads and base_page)", n.cur, records, ErrLoop, n.sentIn(), n.cur-1, n.cur)
	}
	next, more, err := n.advance(req, resp, records, n.cur)
	if err == nil { // total_path's own check, in advance, speaks first
		err = n.totalSeen.check("page_number", resp, fmt.Sprintf("page %d", n.cur))
	}
	if err != nil || !more {
		return false, err
	}
	if more, err := n.more(); !more {
		return false, err
	}
	n.cur = next
	return true, n.set(req, next)
}

func (n *PageNumber) advance(req *Request, resp *Response, records, cur int) (int, bool, error) {
	reached := -1 // records before the first page requested are unknown
	if n.first == n.base {
		reached = n.records
	}
	hasMore := false
	if n.hasMorePath != "" {
		more, err := readBool(resp.Body, n.hasMorePath, "page_number: has_more_path")
		if err != nil {
			return 0, false, err
		}
		if !more {
			// The last page still shows whether the pages shifted.
			if total, err := readInt(resp.Body, n.totalPath, ""); n.totalPath != "" && err == nil {
				return 0, false, n.sameTotal(total, cur)
			}
			return 0, false, nil
		}
		hasMore = true
	}
	next := cur + 1
	switch {
	case n.totalPath != "":
		total, err := readTotal(resp.Body, n.totalPath, "page_number: total_path")
		if err != nil {
			return 0, false, err
		}
		if err := n.sameTotal(total, cur); err != nil {
			return 0, false, err
		}
		if next >= total+n.base {
			if records == 0 && total > 0 && n.stopEmpty && cur > n.first {
				// The last page of the total is empty after pages that held
				// records: the API numbers its pages from another base, so
				// its first page was skipped. (An empty first page may be an
				// empty collection that still counts one page, as Linode's
				// does: the end check reads its total of records.)
				return 0, false, fmt.Errorf("page_number: page %d, the last of total_path %q's %d pages counted from base_page %d, held no records: %w (if the API's first page is %d, set base_page: %d)", cur, n.totalPath, total, n.base, ErrMorePages, n.base-1, n.base-1)
			}
			if records == 0 {
				_, err := n.end(req, resp, records, reached, fmt.Sprintf("page %d, the last of total_path %q, held no records", cur, n.totalPath), n.totalPath, n.hasMorePath)
				return 0, false, err
			}
			return 0, false, nil
		}
		if records == 0 && n.stopEmpty {
			return 0, false, fmt.Errorf("page_number: page %d held no records, but total_path %q is %d pages: %w (%s)", cur, n.totalPath, total, ErrMorePages, n.totalHint(total, reached))
		}
	case records == 0 && hasMore:
		_, err := n.hasMore(n.hasMorePath, "the page held no records", "check "+n.sentIn()+" and base_page")
		return 0, false, err
	case records == 0 && n.stopEmpty:
		_, err := n.end(req, resp, records, reached, "the page held no records", n.hasMorePath)
		return 0, false, err
	}
	if n.maximum > 0 && next >= n.maximum {
		return 0, false, n.capped(req, resp, records, reached, cur, hasMore)
	}
	return next, true, nil
}

// totalHint says why a total of pages and the pages disagree: a total
// equal to the records read counts records, not pages.
func (n *PageNumber) totalHint(total, reached int) string {
	if reached == total {
		return fmt.Sprintf("%d records were read, as many as the total: total_path of page_number counts pages, and this one counts records; drop it, and the walk ends on the first empty page", reached)
	}
	return "the API's total and its pages disagree"
}

// capped stops the walk at maximum_page, or fails when the response shows
// more: has_more true, a total of pages beyond it, or a sign that
// moreSign finds (a total of records above those read). maximum_page
// caps the pages requested; data past it is not loaded, so it must not
// be loaded as if it were all.
func (n *PageNumber) capped(req *Request, resp *Response, records, reached, cur int, hasMore bool) error {
	fix := "raise maximum_page, or narrow the query so that fewer pages hold it: an API that pages no deeper than a cap (SonarQube's 10,000 results) needs a filter, such as a date window, per resource"
	var detail string
	switch total := n.total; {
	case hasMore:
		detail = fmt.Sprintf("has_more_path %q is true", n.hasMorePath)
	case n.totalPath != "" && cur+1 < total+n.base:
		detail = fmt.Sprintf("total_path %q is %d pages", n.totalPath, total)
	default:
		s := moreSign(req, resp, records, reached, []string{n.hasMorePath, n.totalPath})
		if s == nil {
			return nil
		}
		detail = s.detail
	}
	return fmt.Errorf("page_number: maximum_page %d reached after page %d, but %s: %w (%s)", n.maximum, cur, detail, ErrMorePages, fix)
}

// sameTotal keeps the first page's total and fails when a later page's
// differs: records were added or removed while the walk paged.
func (n *PageNumber) sameTotal(total, cur int) error {
	return keepTotal(&n.total, total, fmt.Sprintf("page_number: total_path %q was %d pages and is %d at page %d", n.totalPath, n.total, total, cur), "pages")
}

// Remaining returns the requests for every page after the first up to
// the total number of pages, when total_path is set.
func (n *PageNumber) Remaining(first *Request, resp *Response, records int) ([]*Request, bool, error) {
	if n.totalPath == "" || records == 0 {
		return nil, false, nil
	}
	total, err := readTotal(resp.Body, n.totalPath, "page_number: total_path")
	if err != nil {
		return nil, false, err
	}
	var reqs []*Request
	for p := n.first + 1; p < total+n.base && (n.maximum <= 0 || p < n.maximum); p++ {
		r := first.Clone()
		if err := n.set(r, p); err != nil {
			return nil, false, err
		}
		reqs = append(reqs, r)
	}
	return reqs, true, nil
}

// Parallelism returns paginator.parallel.
func (n *PageNumber) Parallelism() int { return n.parallel }

// sentIn names the setting that carries the page number to the API.
func (n *PageNumber) sentIn() string {
	if n.placed[ValuePage] {
		return "{paginator.page} where the spec writes it"
	}
	if n.bodyPath != "" {
		return "page_body_path " + quote(n.bodyPath)
	}
	return "page_param " + quote(n.param)
}
