package rest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

var _ Paginator = (*LastID)(nil)

// LastID pages from the id of the last record of each page while a flag
// says more follow (last_id), as Stripe lists do: {"data": [...],
// "has_more": true} and the next page is ?starting_after=<last id>.
//
// Fields: id_path (gjson path of the id in a record, default "id"),
// cursor_param (the query parameter, default "starting_after"),
// has_more_path (the flag, default "has_more"), max_pages.
//
// Stop rule: has_more is false. has_more missing is an error; has_more
// true on an empty page, or on a page whose last record has no id, wraps
// ErrMorePages. An id seen before is an error wrapping ErrLoop.
type LastID struct {
	idPath, param, hasMorePath string
	seen                       map[string]bool
	bounds
}

func newLastID(c PaginatorConfig, b bounds) (*LastID, error) {
	if c.IDPath == "" || c.CursorParam == "" || c.HasMorePath == "" {
		return nil, fmt.Errorf("last_id: id_path, cursor_param and has_more_path must not be empty")
	}
	return &LastID{idPath: c.IDPath, param: c.CursorParam, hasMorePath: c.HasMorePath, bounds: b}, nil
}

// Init starts a walk with no id seen.
func (l *LastID) Init(req *Request) error {
	l.seen = map[string]bool{}
	l.reset()
	return nil
}

// Next sends the last record's id when has_more is true.
func (l *LastID) Next(req *Request, resp *Response, records []gjson.Result) (bool, error) {
	l.count(len(records))
	more, err := readBool(resp.Body, l.hasMorePath, l.kind+": has_more_path")
	if err != nil || !more {
		return false, err
	}
	if len(records) == 0 {
		return l.hasMore(l.hasMorePath, "the page held no records", "the API pages some other way: set its paginator")
	}
	v := records[len(records)-1].Get(l.idPath)
	var id string
	switch v.Type {
	case gjson.String:
		id = v.Str // sent byte for byte, as cursors are
	case gjson.Number:
		id = json.Number(v.Raw).String()
	}
	if strings.TrimSpace(id) == "" {
		return l.hasMore(l.hasMorePath, fmt.Sprintf("the last record has no id at id_path %q", l.idPath), "set id_path to the records' id")
	}
	if l.seen[id] {
		return false, fmt.Errorf("%s: last id %q seen before: %w", l.kind, cursorText(id), ErrLoop)
	}
	if more, err := l.more(); !more {
		return false, err
	}
	l.seen[id] = true
	setQuery(req, l.param, id)
	return true, nil
}

// sentIn names the setting that carries the last id to the API.
func (l *LastID) sentIn() string { return "cursor_param " + quote(l.param) }
