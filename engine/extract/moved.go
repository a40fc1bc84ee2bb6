package extract

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/rest"
)

// movedRecords finds, in one window of a walk that pages by position, a
// record that comes twice with different contents. An API listing by a
// field that changes (GitHub's sort=updated, HubSpot's search sorted by
// lastmodifieddate) moves a record updated during the walk to a later
// page, and every record after its old place one place up: the one that
// crosses the boundary of a page pipe already read is on no page at all.
// The load would complete without it (a replace would drop its row), and
// an incremental cursor, at the moved record's new value, would pass it
// for good. The same record twice with the same text is what a record
// created during the walk leaves before the pages not read yet, and what
// a record moved to a page already read leaves (newest first by a field
// that changes, or an order with ties the API breaks anew for each
// request): the first loses nothing that was there when the walk began,
// the second loses a record. When the paginator holds the walk to the
// total of records the API reports (rest.KeepsTotal), a created record
// already failed it, so a same-text repeat is a lost record and is
// reported too; without a total the two cannot be told apart, and it is
// not. Nor is a record sent again by an API that pages by a token
// (Zendesk's cursor export sends an updated ticket again at its new place
// and skips nothing).
//
// A walk pages by position when its paginator is offset or page_number,
// or when a request differs from the one before it in one integer
// parameter alone, of the query or a JSON body, by 1 (a page number) or
// by the number of records the page before held (an offset): GitHub's
// Link header carries page=N, HubSpot's search an offset in "after". A
// walk by token keeps nothing past its first page; one by position keeps
// 16 bytes and a map entry per record (about 40 MB for a million).
type movedRecords struct {
	pk          []string
	incremental bool
	keepsTotal  bool                  // the paginator fails the walk when the API's total changes
	paginator   *rest.PaginatorConfig // until the first page has set keepsTotal
	seen        map[uint64]uint64     // of earlier pages: xxHash of the primary key's text → xxHash of the record's text
	current     map[uint64]uint64     // the same of the page being read (a key twice in one page is no move)

	positional int // 1 by position, -1 by token, 0 not known yet
	prev       *pageRequest
	prevCount  int
}

// pageRequest is what tells one page's request from the next: its path
// and its parameters, from the query and the scalars of a JSON body by
// dotted path (a cursor_body_path or offset_body_path moves one there).
type pageRequest struct {
	path   string
	params map[string]string
}

func newPageRequest(r *rest.Request) *pageRequest {
	p := &pageRequest{path: r.URL.Path, params: map[string]string{}}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			p.params[k] = v[0]
		}
	}
	flattenJSON(p.params, "", r.JSON)
	return p
}

// flattenJSON adds the scalars of a decoded JSON value to m by dotted
// path, under "body." so that they never meet a query parameter's name.
func flattenJSON(m map[string]string, path string, v any) {
	switch x := v.(type) {
	case nil:
	case map[string]any:
		for k, e := range x {
			flattenJSON(m, path+"."+k, e)
		}
	case []any:
		for i, e := range x {
			flattenJSON(m, path+"."+strconv.Itoa(i), e)
		}
	default:
		m["body"+path] = fmt.Sprint(x)
	}
}

// movedCheck returns the check of a window of a walk whose records have
// a primary key, nil otherwise.
func (w *Walk) movedCheck() *movedRecords {
	res := w.c.Resource
	if len(res.PrimaryKey) == 0 {
		return nil
	}
	m := &movedRecords{pk: res.PrimaryKey, incremental: w.tracker != nil, seen: map[uint64]uint64{}, current: map[uint64]uint64{}, paginator: &res.Paginator}
	if t := res.Paginator.Type; t == rest.KindOffset || t == rest.KindPageNumber {
		m.positional = 1
	}
	return m
}

// page notes the request of the next page and the records of the last.
func (m *movedRecords) page(p *rest.Page) {
	r, records := p.Request, len(p.Records)
	if m.paginator != nil && p.Response != nil { // the walk's first page decides
		m.keepsTotal = rest.KeepsTotal(m.paginator.Type, m.paginator.TotalPath, p.Response)
		m.paginator = nil
	}
	if m.seen != nil {
		for k, h := range m.current {
			m.seen[k] = h
		}
		clear(m.current)
	}
	if m.positional != 0 {
		return
	}
	next := newPageRequest(r)
	if m.prev != nil {
		m.positional = -1
		if m.prev.path == next.path && rest.StepsByPosition(m.prev.params, next.params, m.prevCount) {
			m.positional = 1
		} else {
			m.seen, m.current = nil, nil // a walk by token: nothing to keep
		}
	}
	m.prev, m.prevCount = next, records
}

// check records rec and fails when its key came before with other text
// in a walk by position.
func (m *movedRecords) check(rec gjson.Result) error {
	if m.seen == nil {
		return nil
	}
	parts := make([]string, len(m.pk))
	for i, p := range m.pk {
		parts[i] = p + "=" + rec.Get(p).Raw
	}
	key := strings.Join(parts, ", ")
	k, h := xxhash.Sum64String(key), xxhash.Sum64String(rec.Raw)
	if was, ok := m.seen[k]; ok && m.positional == 1 && (was != h || m.keepsTotal) {
		loss := "the load would complete without it"
		if m.incremental {
			loss = "the cursor would pass it for good"
		}
		if was == h {
			return fmt.Errorf("the record %s came twice in this walk, on two pages, while the total of records the API reports stayed the same: %w (a record moved to a page already read, as in a list sorted newest first by a field that changes or in an order whose ties the API breaks anew for each request, so another record is on no page; %s), so the run stops, saving no cursor: run again, or have the API list by a field that does not change and is unique (such as the creation time, then the id) or page by a cursor token", key, rest.ErrShifted, loss)
		}
		return fmt.Errorf("the record %s came twice in this walk with different contents: %w (it was changed and moved to a later page, and a record after its old place may be on no page; %s), so the run stops, saving no cursor: run again, or have the API list by a field that does not change (such as the creation time) or page by a cursor token", key, rest.ErrShifted, loss)
	}
	m.current[k] = h
	return nil
}
