package rest

import (
	"fmt"
	"strings"
)

var _ Paginator = (*HeaderCursor)(nil)

// HeaderCursor pages with a cursor read from a response header
// (header_cursor).
//
// Fields: cursor_key (the response header, default "next"), cursor_param
// (the query parameter that carries it, default "cursor").
//
// Stop rule: the header is missing or empty. A cursor seen before is an
// error wrapping ErrLoop.
type HeaderCursor struct {
	key, param string
	seen       map[string]bool
}

// Init starts a walk with no cursor seen.
func (h *HeaderCursor) Init(req *Request) error {
	h.seen = map[string]bool{}
	return nil
}

// Next puts the header's cursor into req's query.
func (h *HeaderCursor) Next(req *Request, resp *Response, records int) (bool, error) {
	cursor := strings.TrimSpace(resp.Header.Get(h.key))
	if cursor == "" {
		return false, nil
	}
	if h.seen[cursor] {
		return false, fmt.Errorf("header_cursor: cursor %q seen before: %w", cursorText(cursor), ErrLoop)
	}
	h.seen[cursor] = true
	setQuery(req, h.param, cursor)
	return true, nil
}
