package rest

import (
	"fmt"
	"strconv"

	"github.com/pipe-etl/pipe/engine/spec"
)

var (
	_ Paginator         = (*Offset)(nil)
	_ PageCounter       = (*Offset)(nil)
	_ ParallelPaginator = (*Offset)(nil)
)

// Offset pages with offset and limit query parameters (offset).
//
// Fields: limit (required, the page size), offset (first offset, default
// 0), offset_param (default "offset"), limit_param (default "limit"),
// maximum_offset (stop before this offset, like dlt: 0 means none),
// total_path (gjson path of the total number of items; no default),
// has_more_path (gjson path of a boolean), stop_after_empty_page (default
// true), parallel (pages in flight at once when total_path is set).
//
// Stop rule, checked after each page: the page held no records (when
// stop_after_empty_page); it held fewer than limit records; the next
// offset reaches the total; has_more is false; the next offset reaches
// maximum_offset. A total or has_more that cannot be read is an error.
type Offset struct {
	limit, start, maximum   int
	offsetParam, limitParam string
	totalPath, hasMorePath  string
	stopEmpty               bool
	parallel                int
	cur                     int
}

func newOffset(p *spec.Paginator) (*Offset, error) {
	if p.Limit <= 0 {
		return nil, fmt.Errorf("offset: limit is required and must be above 0")
	}
	if p.Offset < 0 {
		return nil, fmt.Errorf("offset: offset %d is negative", p.Offset)
	}
	return &Offset{
		limit: p.Limit, start: p.Offset, maximum: p.MaximumOffset,
		offsetParam: or(p.OffsetParam, "offset"), limitParam: or(p.LimitParam, "limit"),
		totalPath: p.TotalPath, hasMorePath: p.HasMorePath,
		stopEmpty: p.StopAfterEmptyPage == nil || *p.StopAfterEmptyPage,
		parallel:  p.Parallel,
	}, nil
}

// Init sets the first offset and the limit.
func (o *Offset) Init(req *Request) error {
	o.cur = o.start
	o.set(req, o.cur)
	return nil
}

func (o *Offset) set(req *Request, offset int) {
	q := req.URL.Query()
	q.Set(o.offsetParam, strconv.Itoa(offset))
	q.Set(o.limitParam, strconv.Itoa(o.limit))
	req.URL.RawQuery = q.Encode()
}

// Next moves req to the next offset unless a stop rule holds.
func (o *Offset) Next(req *Request, resp *Response, records int) (bool, error) {
	next, more, err := o.advance(resp.Body, records, o.cur)
	if err != nil || !more {
		return false, err
	}
	o.cur = next
	o.set(req, next)
	return true, nil
}

func (o *Offset) advance(body []byte, records, cur int) (int, bool, error) {
	if (records == 0 && o.stopEmpty) || records < o.limit {
		return 0, false, nil
	}
	next := cur + o.limit
	if o.totalPath != "" {
		total, err := readInt(body, o.totalPath, "offset: total_path")
		if err != nil {
			return 0, false, err
		}
		if next >= total {
			return 0, false, nil
		}
	}
	if o.hasMorePath != "" {
		more, err := readBool(body, o.hasMorePath, "offset: has_more_path")
		if err != nil || !more {
			return 0, false, err
		}
	}
	if o.maximum > 0 && next >= o.maximum {
		return 0, false, nil
	}
	return next, true, nil
}

// Remaining returns the requests for every offset after the first page up
// to the total, when total_path is set.
func (o *Offset) Remaining(first *Request, resp *Response, records int) ([]*Request, bool, error) {
	if o.totalPath == "" {
		return nil, false, nil
	}
	next, more, err := o.advance(resp.Body, records, o.start)
	if err != nil || !more {
		return nil, true, err
	}
	total, err := readInt(resp.Body, o.totalPath, "offset: total_path")
	if err != nil {
		return nil, false, err
	}
	var reqs []*Request
	for off := next; off < total && (o.maximum <= 0 || off < o.maximum); off += o.limit {
		r := first.Clone()
		o.set(r, off)
		reqs = append(reqs, r)
	}
	return reqs, true, nil
}

// Parallelism returns paginator.parallel.
func (o *Offset) Parallelism() int { return o.parallel }
