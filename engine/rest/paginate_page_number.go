package rest

import (
	"fmt"
	"strconv"

	"github.com/pipe-etl/pipe/engine/spec"
)

var (
	_ Paginator         = (*PageNumber)(nil)
	_ PageCounter       = (*PageNumber)(nil)
	_ ParallelPaginator = (*PageNumber)(nil)
)

// PageNumber pages with a page number query parameter (page_number).
//
// Fields: base_page (the number of the API's first page, default 0), page
// (the first page to request, default base_page), page_param (default
// "page"), total_path (gjson path of the total number of PAGES; no
// default), maximum_page (stop before requesting this page, like dlt: 0
// means none), has_more_path (gjson path of a boolean),
// stop_after_empty_page (default true), parallel (pages in flight at once
// when total_path is set). With stop_after_empty_page false one of
// total_path, maximum_page or has_more_path is required.
//
// Stop rule, checked after each page: the page held no records (when
// stop_after_empty_page); the next page reaches total + base_page;
// has_more is false; the next page reaches maximum_page. A total or
// has_more that cannot be read is an error.
type PageNumber struct {
	base, first, maximum   int
	param                  string
	totalPath, hasMorePath string
	stopEmpty              bool
	parallel               int
	cur                    int
}

func newPageNumber(p *spec.Paginator) (*PageNumber, error) {
	n := &PageNumber{
		maximum: p.MaximumPage, param: or(p.PageParam, "page"),
		totalPath: p.TotalPath, hasMorePath: p.HasMorePath,
		stopEmpty: p.StopAfterEmptyPage == nil || *p.StopAfterEmptyPage,
		parallel:  p.Parallel,
	}
	if p.BasePage != nil {
		n.base = *p.BasePage
	}
	n.first = n.base
	if p.Page != nil {
		n.first = *p.Page
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
	n.cur = n.first
	setQuery(req, n.param, strconv.Itoa(n.cur))
	return nil
}

// Next moves req to the next page unless a stop rule holds.
func (n *PageNumber) Next(req *Request, resp *Response, records int) (bool, error) {
	next, more, err := n.advance(resp.Body, records, n.cur)
	if err != nil || !more {
		return false, err
	}
	n.cur = next
	setQuery(req, n.param, strconv.Itoa(next))
	return true, nil
}

func (n *PageNumber) advance(body []byte, records, cur int) (int, bool, error) {
	if records == 0 && n.stopEmpty {
		return 0, false, nil
	}
	next := cur + 1
	if n.totalPath != "" {
		total, err := readInt(body, n.totalPath, "page_number: total_path")
		if err != nil {
			return 0, false, err
		}
		if next >= total+n.base {
			return 0, false, nil
		}
	}
	if n.hasMorePath != "" {
		more, err := readBool(body, n.hasMorePath, "page_number: has_more_path")
		if err != nil || !more {
			return 0, false, err
		}
	}
	if n.maximum > 0 && next >= n.maximum {
		return 0, false, nil
	}
	return next, true, nil
}

// Remaining returns the requests for every page after the first up to
// the total number of pages, when total_path is set.
func (n *PageNumber) Remaining(first *Request, resp *Response, records int) ([]*Request, bool, error) {
	if n.totalPath == "" {
		return nil, false, nil
	}
	next, more, err := n.advance(resp.Body, records, n.first)
	if err != nil || !more {
		return nil, true, err
	}
	total, err := readInt(resp.Body, n.totalPath, "page_number: total_path")
	if err != nil {
		return nil, false, err
	}
	var reqs []*Request
	for p := next; p < total+n.base && (n.maximum <= 0 || p < n.maximum); p++ {
		r := first.Clone()
		setQuery(r, n.param, strconv.Itoa(p))
		reqs = append(reqs, r)
	}
	return reqs, true, nil
}

// Parallelism returns paginator.parallel.
func (n *PageNumber) Parallelism() int { return n.parallel }
