package rest

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
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
// error wrapping ErrMorePages, and so is stopping while the body holds a
// new token under the cursor_param's own name: Azure APIs that page with
// x-ms-continuationtoken in Azure DevOps send "continuationToken" in the
// body elsewhere (Data Factory's queryPipelineRuns), and that key is the
// only sign of their next page.
type HeaderCursor struct {
	key, param string
	seen       map[string]bool
	bounds
}

// Init starts a walk with no cursor seen.
func (h *HeaderCursor) Init(req *Request) error {
	h.seen = map[string]bool{}
	h.reset()
	h.place(req, ValueCursor, noCursor{})
	return nil
}

// Next puts the header's cursor into req's query.
func (h *HeaderCursor) Next(req *Request, resp *Response, page []gjson.Result) (bool, error) {
	records := len(page)
	h.count(records)
	cursor := strings.TrimSpace(resp.Header.Get(h.key))
	if cursor == "" {
		if tok := h.bodyToken(req, resp); tok != "" {
			return false, fmt.Errorf("%s: no %s header, but body %q still holds %q: %w (the API sends its token in the body: set cursor with cursor_path %q and the cursor_param or cursor_body_path it reads)", h.kind, h.key, h.param, cursorText(tok), ErrMorePages, h.param)
		}
		return h.end(req, resp, records, h.records, fmt.Sprintf("no %s header", h.key))
	}
	if h.seen[cursor] {
		return false, fmt.Errorf("%s: cursor %q seen before: %w (header %q gave it for an earlier page: the API did not move on; check that %s is where the API reads it)", h.kind, cursorText(cursor), ErrLoop, h.key, h.sentIn())
	}
	if more, err := h.more(); !more {
		return false, err
	}
	h.seen[cursor] = true
	if h.place(req, ValueCursor, cursor) {
		return true, nil
	}
	setQuery(req, h.param, cursor)
	return true, nil
}

// bodyToken returns the token in the body's top-level key named like
// cursor_param, unless it is blank or the one this request sent (an
// echo).
func (h *HeaderCursor) bodyToken(req *Request, resp *Response) string {
	v := gjson.GetBytes(resp.Body, escapePath(h.param))
	tok := v.Str
	if v.Type == gjson.Number {
		tok = v.Raw
	} else if v.Type != gjson.String {
		return ""
	}
	if strings.TrimSpace(tok) == "" || echoed(req, tok) {
		return ""
	}
	return tok
}

// sentIn names the setting that carries the cursor to the API.
func (h *HeaderCursor) sentIn() string {
	if h.placed[ValueCursor] {
		return "{paginator.cursor} where the spec writes it"
	}
	return "cursor_param " + quote(h.param)
}
