package rest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

var _ Paginator = (*Cursor)(nil)

// Cursor pages with a cursor read from the response body (cursor).
//
// Fields: cursor_path (gjson path of the next cursor, default
// "cursors.next"), cursor_param (query parameter that carries it, default
// "cursor"), cursor_body_path (dotted path in the JSON request body to put
// it instead, for POST searches; when set, no query parameter is used).
//
// Stop rule: the cursor is missing, null or empty. A cursor seen before
// is an error wrapping ErrLoop. An empty page does not stop a cursor walk:
// some APIs return empty pages before the end and say so with the cursor.
type Cursor struct {
	path, param, bodyPath string
	seen                  map[string]bool
	kindTag               string
}

func newCursor(path, param, bodyPath string) *Cursor {
	return &Cursor{
		path: or(path, "cursors.next"), param: or(param, "cursor"), bodyPath: bodyPath,
		kindTag: KindCursor,
	}
}

// Init starts a walk with no cursor seen.
func (c *Cursor) Init(req *Request) error {
	c.seen = map[string]bool{}
	return nil
}

// Next puts the response's cursor into req.
func (c *Cursor) Next(req *Request, resp *Response, records int) (bool, error) {
	v := gjson.GetBytes(resp.Body, c.path)
	var cursor string
	var value any
	switch v.Type {
	case gjson.Null:
		return false, nil
	case gjson.String:
		cursor, value = strings.TrimSpace(v.Str), v.Str
	case gjson.Number:
		cursor, value = v.Raw, json.Number(v.Raw)
	default:
		return false, fmt.Errorf("%s: cursor_path %q is %s, want a string or a number", c.kindTag, c.path, kindText(v))
	}
	if cursor == "" {
		return false, nil
	}
	if c.seen[cursor] {
		return false, fmt.Errorf("%s: cursor %q seen before: %w", c.kindTag, cursorText(cursor), ErrLoop)
	}
	c.seen[cursor] = true
	if c.bodyPath != "" {
		if err := setJSONPath(req, c.bodyPath, value); err != nil {
			return false, fmt.Errorf("%s: cursor_body_path: %w", c.kindTag, err)
		}
		return true, nil
	}
	setQuery(req, c.param, cursor)
	return true, nil
}

// cursorText shortens a cursor quoted in an error.
func cursorText(c string) string {
	if len(c) > 64 {
		return c[:64] + "…"
	}
	return c
}

// setJSONPath sets a dotted path in req's JSON body, creating objects on
// the way; the body must be absent or a JSON object.
func setJSONPath(req *Request, path string, value any) error {
	if req.JSON == nil {
		req.JSON = map[string]any{}
	}
	m, ok := req.JSON.(map[string]any)
	if !ok {
		return fmt.Errorf("request body is a %T, want a JSON object", req.JSON)
	}
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		child, ok := m[k].(map[string]any)
		if !ok {
			if m[k] != nil {
				return fmt.Errorf("%q in the request body is a %T, want an object", k, m[k])
			}
			child = map[string]any{}
			m[k] = child
		}
		m = child
	}
	m[keys[len(keys)-1]] = value
	return nil
}
