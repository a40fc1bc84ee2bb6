package rest

import (
	"fmt"
	"github.com/tidwall/gjson"
	"strconv"
)

var (
	_ Paginator   = (*Offset)(nil)
	_ PageCounter = (*Offset)(nil)
)

// Offset pages with offset and limit parameters (offset).
//
// Fields: limit (required, the page size), offset (first offset),
// offset_param and limit_param (query parameters), offset_body_path and
// limit_body_path (dotted paths in the JSON request body instead, for POST
// searches such as Jira's startAt/maxResults), maximum_offset (stop before
// this offset, like dlt: 0 means none), total_path (gjson path of the
// total number of items; no default), has_more_path (gjson path of a
// boolean), stop_after_empty_page, parallel (pages in flight at once when
// total_path is set), max_pages.
//
// Stop rule, checked after each page: has_more is false (with a total,
// once the records read reach it); the records read
// reach the total (unless has_more is true: then the next page decides);
// without a total, the page held fewer than limit
// records (with has_more true the walk goes on from the records read);
// the next offset reaches maximum_offset. With a total, a page shorter
// than limit does not stop the walk: servers that cap the page size below
// limit are paged from the records read until the total is reached. With
// total_is_upper_bound the total bounds the offsets instead (Box counts
// entries the user cannot see): offsets step by limit through short and
// empty pages until the next one reaches it. A
// total or has_more that cannot be read is an error; an empty page before
// the total, or has_more true on an empty page, wraps ErrMorePages; a
// total that differs from the first page's wraps ErrShifted (records were
// added or removed while the walk paged, so offsets moved under it); a
// page that holds the same records as the one before wraps ErrLoop (the
// API ignores the offset parameter).
type Offset struct {
	limit, start, maximum         int
	offsetParam, limitParam       string
	offsetBodyPath, limitBodyPath string
	totalPath, hasMorePath        string
	upperBound                    bool // total_is_upper_bound
	stopEmpty                     bool
	parallel                      int
	cur                           int
	total                         int // the first page's total, -1 before it
	same                          samePage
	totalSeen                     recordTotal
	bounds
}

func newOffset(c PaginatorConfig, b bounds) (*Offset, error) {
	if c.Limit <= 0 {
		return nil, fmt.Errorf("offset: limit is required and must be above 0")
	}
	if c.Offset < 0 {
		return nil, fmt.Errorf("offset: offset %d is negative", c.Offset)
	}
	if (c.OffsetParam == "" && c.OffsetBodyPath == "") || (c.LimitParam == "" && c.LimitBodyPath == "") {
		return nil, fmt.Errorf("offset: offset_param and limit_param (or their body paths) must not be empty")
	}
	return &Offset{
		limit: c.Limit, start: c.Offset, maximum: c.MaximumOffset, upperBound: c.TotalIsUpperBound,
		offsetParam: c.OffsetParam, limitParam: c.LimitParam,
		offsetBodyPath: c.OffsetBodyPath, limitBodyPath: c.LimitBodyPath,
		totalPath: c.TotalPath, hasMorePath: c.HasMorePath,
		stopEmpty: c.StopAfterEmptyPage, parallel: c.Parallel, bounds: b,
	}, nil
}

// Init sets the first offset and the limit.
func (o *Offset) Init(req *Request) error {
	o.cur, o.total = o.start, -1
	o.reset()
	o.same.reset()
	o.totalSeen.reset()
	return o.set(req, o.cur)
}

func (o *Offset) set(req *Request, offset int) error {
	if !o.place(req, ValueOffset, offset) {
		if err := setParam(req, o.offsetParam, o.offsetBodyPath, offset); err != nil {
			return fmt.Errorf("offset: offset_body_path: %w", err)
		}
	}
	if !o.place(req, ValueLimit, o.limit) {
		if err := setParam(req, o.limitParam, o.limitBodyPath, o.limit); err != nil {
			return fmt.Errorf("offset: limit_body_path: %w", err)
		}
	}
	return nil
}

// setParam puts n in the JSON body at bodyPath when it is set, else in
// the query parameter param.
func setParam(req *Request, param, bodyPath string, n int) error {
	if bodyPath != "" {
		return setJSONPath(req, bodyPath, n)
	}
	setQuery(req, param, strconv.Itoa(n))
	return nil
}

// Next moves req to the next offset unless a stop rule holds.
func (o *Offset) Next(req *Request, resp *Response, page []gjson.Result) (bool, error) {
	records := len(page)
	o.count(records)
	if o.same.repeats(page) {
		return false, fmt.Errorf("offset: the page at offset %d holds the same %d records as the page before it: %w (the API ignores %s: check the name it reads)", o.cur, records, ErrLoop, o.sentIn())
	}
	if o.totalPath == "" { // total_path's own check covers it
		err := o.totalSeen.check("offset", resp, fmt.Sprintf("offset %d", o.cur))
		if o.placed[ValueOffset] && o.pages == 1 && o.totalSeen.first == records {
			// With {paginator.offset} written in a query language each
			// page is a query of its own: a count its first answer shows
			// that equals its records is that query's rows (Salesforce's
			// totalSize, LIMIT and OFFSET applied), not the collection's.
			// A count above them is a collection's total, and is held.
			o.totalSeen.drop()
		}
		if err != nil {
			return false, err
		}
	}
	next, more, err := o.advance(req, resp, records, o.cur)
	if err != nil || !more {
		return false, err
	}
	if more, err := o.more(); !more {
		return false, err
	}
	o.cur = next
	return true, o.set(req, next)
}

func (o *Offset) advance(req *Request, resp *Response, records, cur int) (int, bool, error) {
	reached := cur + records
	stop := func(why string) (int, bool, error) {
		_, err := o.end(req, resp, records, reached, why, o.totalPath, o.hasMorePath)
		return 0, false, err
	}
	hasMore := false
	if o.hasMorePath != "" {
		more, err := readBool(resp.Body, o.hasMorePath, "offset: has_more_path")
		if err != nil {
			return 0, false, err
		}
		if !more {
			// The last page still shows whether the offsets shifted, and
			// whether it is the last of the total.
			if total, err := readInt(resp.Body, o.totalPath, ""); o.totalPath != "" && err == nil {
				if err := o.sameTotal(total, cur); err != nil {
					return 0, false, err
				}
				if reached < total {
					return 0, false, fmt.Errorf("offset: has_more_path %q is false at offset %d, but total_path %q is %d and %d records were read: %w (the API's has_more and total disagree; an API that caps offsets ends early: narrow the query, with a date window for instance)", o.hasMorePath, cur, o.totalPath, total, reached, ErrMorePages)
				}
			}
			return 0, false, nil
		}
		hasMore = true
	}
	next := cur + o.limit
	switch {
	case o.totalPath != "":
		total, err := readTotal(resp.Body, o.totalPath, "offset: total_path")
		if err != nil {
			return 0, false, err
		}
		if err := o.sameTotal(total, cur); err != nil {
			return 0, false, err
		}
		if o.upperBound {
			// Box: offsets count entries the user cannot see, so a page
			// may hold fewer than limit, or none, below the bound.
			if next >= total && !hasMore {
				return 0, false, nil
			}
			break
		}
		switch {
		case reached >= total && !hasMore:
			return 0, false, nil
		case reached >= total && records == 0:
			_, err := o.hasMore(o.hasMorePath, fmt.Sprintf("the page at offset %d held no records past total_path %q (%d)", cur, o.totalPath, total), "the API's has_more and total disagree")
			return 0, false, err
		case reached >= total:
			// has_more true at the total: the next page decides (an empty
			// one still saying more fails above).
		case records == 0:
			return 0, false, fmt.Errorf("offset: the page at offset %d held no records, but total_path %q is %d: %w (the API's total and its pages disagree)", cur, o.totalPath, total, ErrMorePages)
		}
		next = reached // a server that caps the page size is paged from what it sent
	case records == 0 && hasMore:
		_, err := o.hasMore(o.hasMorePath, "the page held no records", "check limit and "+o.sentIn())
		return 0, false, err
	case records == 0 && o.stopEmpty:
		return stop("the page held no records")
	case records < o.limit && hasMore:
		next = reached
	case records < o.limit:
		return stop(fmt.Sprintf("a short page (%d records, limit %d)", records, o.limit))
	}
	if o.maximum > 0 && next >= o.maximum {
		return 0, false, o.capped(req, resp, records, reached, next, hasMore)
	}
	return next, true, nil
}

// capped stops the walk at maximum_offset, or fails when the response
// shows more: has_more true, a total beyond the next offset, or a sign
// that moreSign finds. maximum_offset caps the offsets requested; data
// past it is not loaded, so it must not be loaded as if it were all.
func (o *Offset) capped(req *Request, resp *Response, records, reached, next int, hasMore bool) error {
	var detail string
	switch {
	case hasMore:
		detail = fmt.Sprintf("has_more_path %q is true", o.hasMorePath)
	case o.totalPath != "" && next < o.total:
		detail = fmt.Sprintf("total_path %q is %d and %d records were read", o.totalPath, o.total, reached)
	default:
		s := moreSign(req, resp, records, reached, []string{o.hasMorePath, o.totalPath})
		switch {
		case s != nil:
			detail = s.detail
		case o.totalPath == "" && records >= o.limit:
			// A full page is followed without maximum_offset: it does not
			// show the end.
			detail = fmt.Sprintf("the page at offset %d was full (%d records, limit %d) and the API shows no total", next-o.limit, records, o.limit)
		default:
			return nil
		}
	}
	return fmt.Errorf("offset: maximum_offset %d reached at offset %d, but %s: %w (raise maximum_offset, or narrow the query so that fewer records match: an API that pages no deeper than a cap needs a filter, such as a date window, per resource)", o.maximum, next, detail, ErrMorePages)
}

// sameTotal keeps the first page's total and fails when a later page's
// differs: records were added or removed while the walk paged.
func (o *Offset) sameTotal(total, cur int) error {
	return keepTotal(&o.total, total, fmt.Sprintf("offset: total_path %q was %d and is %d at offset %d", o.totalPath, o.total, total, cur), "offsets")
}

// Remaining returns the requests for every offset after the first page up
// to the total, when total_path is set and the first page was full.
func (o *Offset) Remaining(first *Request, resp *Response, records int) ([]*Request, bool, error) {
	if o.totalPath == "" || records != o.limit {
		return nil, false, nil
	}
	total, err := readTotal(resp.Body, o.totalPath, "offset: total_path")
	if err != nil {
		return nil, false, err
	}
	var reqs []*Request
	for off := o.start + o.limit; off < total && (o.maximum <= 0 || off < o.maximum); off += o.limit {
		r := first.Clone()
		if err := o.set(r, off); err != nil {
			return nil, false, err
		}
		reqs = append(reqs, r)
	}
	return reqs, true, nil
}

// readTotal reads the whole number at total_path, naming the fix when it
// is null (some APIs send a total only when asked for one: PagerDuty's
// "total": null unless total=true) or negative.
func readTotal(body []byte, path, field string) (int, error) {
	path = keyOrPath(body, path)
	if v := gjson.GetBytes(body, path); v.Exists() && v.Type == gjson.Null {
		return 0, fmt.Errorf("%s %q is null (an API may send its total only when a parameter asks for it, as PagerDuty's total=true: add that to params, or drop total_path)", field, path)
	}
	n, err := readInt(body, path, field)
	if err == nil && n < 0 {
		// Read as a count, -1 ("not counted") would end the walk after
		// the first page, as if every record had been read.
		return 0, fmt.Errorf("%s %q is %d, want a count of 0 or more (an API that sends a negative total when it does not count: drop total_path)", field, path, n)
	}
	return n, err
}

// keyOrPath returns path, or path escaped as one top-level key when the
// body does not hold path but holds that key: OData's "@odata.count",
// whose "@" gjson reads as a modifier (next_url_path reads
// "@odata.nextLink" so too).
func keyOrPath(body []byte, path string) string {
	if lit := escapePath(path); lit != path && !gjson.GetBytes(body, path).Exists() && gjson.GetBytes(body, lit).Exists() {
		return lit
	}
	return path
}

// Parallelism returns paginator.parallel.
func (o *Offset) Parallelism() int { return o.parallel }

// keepTotal records the first page's total in *first (-1 before it) and
// fails, with what (the paginator, the two totals and where) and what
// shifted (offsets, pages), when a later page's total differs.
func keepTotal(first *int, total int, what, shifted string) error {
	if *first >= 0 && total != *first {
		return fmt.Errorf("%s: %w: %s shifted, so records may have been skipped or read twice (run again when the collection is quiet; a cursor or an id filter pages changing collections safely)", what, ErrShifted, shifted)
	}
	*first = total
	return nil
}

// sentIn names the setting that carries the offset to the API.
func (o *Offset) sentIn() string {
	if o.placed[ValueOffset] {
		return "{paginator.offset} where the spec writes it"
	}
	if o.offsetBodyPath != "" {
		return "offset_body_path " + quote(o.offsetBodyPath)
	}
	return "offset_param " + quote(o.offsetParam)
}
