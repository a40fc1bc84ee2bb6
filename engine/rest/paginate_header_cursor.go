package rest

import (
	"fmt"
	"github.com/tidwall/gjson"
	"strings"
)

var _ Paginator = (*HeaderCursor)(nil)

// HeaderCursor pages with a cursor read from a response header
// (header_cursor).
//
// Fields: cursor_key (the response header), cursor_param (the query
// parameter that carries it), max_pages.
//
// Stop rule: the header is missing or empty. A cursor seen before is an
// error wrapping ErrLoop; stopping while the body shows more pages an
// error wrapping ErrMorePages.
type HeaderCursor struct {
	key, param string
	seen       map[string]bool
	bounds
}

// Init starts a walk with no cursor seen.
func (h *HeaderCursor) Init(req *Request) error {
	h.seen = map[string]bool{}
	h.reset()
	return nil
}

// Next puts the header's cursor into req's query.
func (h *HeaderCursor) Next(req *Request, resp *Response, page []gjson.Result) (bool, error) {
	records := len(page)
	h.count(records)
	cursor := strings.TrimSpace(resp.Header.Get(h.key))
	if cursor == "" {
		return h.end(req, resp, records, h.records, fmt.Sprintf("no %s header", h.key))
	}
	if h.seen[cursor] {
		return false, fmt.Errorf("%s: cursor %q seen before: %w (header %q gave it for an earlier page: the API did not move on; check that cursor_param %q is the parameter it reads)", h.kind, cursorText(cursor), ErrLoop, h.key, h.param)
	}
	if more, err := h.more(); !more {
		return false, err
	}
	h.seen[cursor] = true
	setQuery(req, h.param, cursor)
	return true, nil
}
