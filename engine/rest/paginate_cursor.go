package rest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

var _ Paginator = (*Cursor)(nil)

// Cursor pages with a cursor read from the response body (cursor).
//
// Fields: cursor_path (gjson path of the next cursor), cursor_param (query
// parameter that carries it), cursor_body_path (dotted path in the JSON
// request body to put it instead, for POST searches; when set, no query
// parameter is used), has_more_path (gjson path of a boolean that is
// false on the last page), max_pages. A cursor that is an array or an
// object (Elasticsearch's search_after, the last hit's sort values) goes
// back under cursor_body_path with its JSON type; under cursor_param it
// is an error naming cursor_body_path, and so is one whose type differs
// from the first page's.
//
// Stop rule: has_more is false, a flag that says the page is the last
// (end_of_stream, isLast) is true whatever cursor the page holds, or the
// cursor is missing, null or empty.
// A cursor seen before is an error wrapping ErrLoop. Stopping while the
// response shows more pages is an error wrapping ErrMorePages: has_more
// true, a next link elsewhere, a has_more-style flag true beside a nested
// cursor_path (GraphQL's pageInfo.hasNextPage beside endCursor), a
// response header named after the cursor that holds a token (Azure
// DevOps' x-ms-continuationtoken), or a page after the first that is {}
// (see bounds.end). An empty page does not stop a cursor walk: some APIs
// return empty pages before the end and say so with the cursor.
type Cursor struct {
	path, param, bodyPath string
	hasMorePath           string
	stopWhen              []doneFlag      // detected flags that end the walk (auto)
	seen                  map[string]bool // cursors sent, JSON ones in canonical form
	firstType             string          // the JSON kind of the first cursor read
	firstJSON             bool            // the first cursor was an array or an object
	bounds
}

func newCursor(c PaginatorConfig, b bounds) (*Cursor, error) {
	if c.CursorPath == "" || (c.CursorParam == "" && c.CursorBodyPath == "") {
		return nil, fmt.Errorf("cursor: cursor_path and cursor_param (or cursor_body_path) must not be empty")
	}
	return &Cursor{path: c.CursorPath, param: c.CursorParam, bodyPath: c.CursorBodyPath, hasMorePath: c.HasMorePath, bounds: b}, nil
}

// Init starts a walk with no cursor seen.
func (c *Cursor) Init(req *Request) error {
	c.seen = map[string]bool{}
	c.firstType, c.firstJSON = "", false
	c.reset()
	c.place(req, ValueCursor, noCursor{})
	return nil
}

// Next puts the response's cursor into req.
func (c *Cursor) Next(req *Request, resp *Response, page []gjson.Result) (bool, error) {
	records := len(page)
	c.count(records)
	stop := func(why string) (bool, error) {
		if h, tok := c.headerToken(req, resp); h != "" {
			return false, fmt.Errorf("%s: %s, but header %s still holds %q: %w (the API sends its token in a header: set header_cursor with cursor_key %q and cursor_param %q)", c.kind, why, h, cursorText(tok), ErrMorePages, h, c.param)
		}
		if f := c.siblingMore(resp.Body); f != "" {
			return false, fmt.Errorf("%s: %s, but body %q is true: %w (the API says more pages follow and gives no cursor to them: run again; no setting reaches the rest)", c.kind, why, f, ErrMorePages)
		}
		return c.end(req, resp, records, c.records, why, c.path, c.hasMorePath)
	}
	if c.hasMorePath != "" {
		more, err := readBool(resp.Body, c.hasMorePath, c.kind+": has_more_path")
		if err != nil || !more {
			return false, err
		}
		stop = func(why string) (bool, error) {
			return c.hasMore(c.hasMorePath, why, "check cursor_path "+quote(c.path))
		}
	}
	if doneBy(resp.Body, c.stopWhen) {
		return false, nil
	}
	if c.stopWhen == nil { // written, not detected
		// A flag that says this page is the last ends the walk, whatever
		// cursor it still holds: Zendesk's incremental exports end with
		// end_of_stream true and the after_cursor of the next export. So
		// does a more-flag that is false: Marketo's last page keeps its
		// nextPageToken beside moreResult false.
		fields := readPagingFields(resp.Body)
		if _, done := fields.flag(doneFlags, true); done {
			return false, nil
		}
		if _, done := fields.flag(moreFlags, false); done && c.hasMorePath == "" {
			return false, nil
		}
	}
	v := gjson.GetBytes(resp.Body, c.path)
	var cursor string
	var value any
	switch v.Type {
	case gjson.Null:
		return stop(fmt.Sprintf("no cursor at cursor_path %q", c.path))
	case gjson.String:
		// An opaque cursor goes back byte for byte (Intercom's end with a
		// newline); only a blank one means none.
		cursor, value = v.Str, v.Str
	case gjson.Number:
		cursor, value = v.Raw, json.Number(v.Raw)
	case gjson.JSON:
		if c.bodyPath == "" && c.firstType != "" {
			break // a string or a number before: the type check below says so
		}
		if c.bodyPath == "" {
			return false, fmt.Errorf("%s: cursor_path %q is %s: a cursor that is JSON goes back in a JSON request body with its type (Elasticsearch's search_after): set cursor_body_path instead of cursor_param %q", c.kind, c.path, kindText(v), c.param)
		}
		var err error
		if cursor, value, err = jsonCursor(v); err != nil {
			return false, fmt.Errorf("%s: cursor_path %q: %w", c.kind, c.path, err)
		}
		if cursor == "[]" || cursor == "{}" {
			return stop(fmt.Sprintf("cursor_path %q is %s", c.path, cursor))
		}
	default:
		return false, fmt.Errorf("%s: cursor_path %q is %s, want a string, a number, an array or an object", c.kind, c.path, kindText(v))
	}
	if c.firstType != "" && kind(v) != c.firstType && (v.Type == gjson.JSON || c.firstJSON) {
		want := "a string or a number"
		if c.firstJSON {
			want = "an " + c.firstType
		}
		return false, fmt.Errorf("%s: cursor_path %q is %s, want %s, as on the first page: the API changed the cursor's type on page %d, so %s would not read it as it read the first (check cursor_path)", c.kind, c.path, kindText(v), want, c.pages, c.sentIn())
	}
	if c.firstType == "" {
		c.firstType, c.firstJSON = kind(v), v.Type == gjson.JSON
	}
	if strings.TrimSpace(cursor) == "" {
		return stop(fmt.Sprintf("no cursor at cursor_path %q", c.path))
	}
	if c.seen[cursor] {
		return false, fmt.Errorf("%s: cursor %q seen before: %w (cursor_path %q gave it for an earlier page: the API did not move on; check that %s is where the API reads it)", c.kind, cursorText(cursor), ErrLoop, c.path, c.sentIn())
	}
	if more, err := c.more(); !more {
		return false, err
	}
	c.seen[cursor] = true
	if c.place(req, ValueCursor, value) {
		return true, nil
	}
	if c.bodyPath != "" {
		if err := setJSONPath(req, c.bodyPath, value); err != nil {
			return false, fmt.Errorf("%s: cursor_body_path: %w", c.kind, err)
		}
		return true, nil
	}
	setQuery(req, c.param, cursor)
	return true, nil
}

// sentIn names the setting that carries the cursor back to the API.
func (c *Cursor) sentIn() string {
	if c.placed[ValueCursor] {
		return "{paginator.cursor} where the spec writes it"
	}
	if c.bodyPath != "" {
		return "cursor_body_path " + quote(c.bodyPath)
	}
	return "cursor_param " + quote(c.param)
}

// headerToken returns a response header named after the cursor (its
// name ends with cursor_param, or with cursor_path's last key, in any
// case: Azure DevOps' x-ms-continuationtoken for continuationToken) and
// its value, unless the value is blank or the one this request sent.
func (c *Cursor) headerToken(req *Request, resp *Response) (string, string) {
	names := []string{strings.ToLower(c.param), strings.ToLower(c.path[strings.LastIndexByte(c.path, '.')+1:])}
	for h, vals := range resp.Header {
		lower := strings.ToLower(h)
		for _, n := range names {
			// Short names ("after", "page") would meet standard headers
			// (Retry-After).
			if len(n) < 6 || lower == "retry-after" || !strings.HasSuffix(lower, n) || len(vals) == 0 {
				continue
			}
			if v := strings.TrimSpace(vals[0]); v != "" && !echoed(req, v) {
				return lower, v
			}
		}
	}
	return "", ""
}

// siblingMore returns the path of a has_more-style flag that is true in
// the object holding cursor_path, when that object is nested: a GraphQL
// connection's pageInfo holds hasNextPage beside endCursor
// (data.issues.pageInfo), deeper than the end check's fixed places.
func (c *Cursor) siblingMore(body []byte) string {
	i := strings.LastIndexByte(c.path, '.')
	if i <= 0 || c.path[i-1] == '\\' {
		return "" // a top-level cursor: the end check reads its flags
	}
	for _, n := range moreFlags {
		if f := c.path[:i] + "." + n; gjson.GetBytes(body, f).Type == gjson.True {
			return f
		}
	}
	return ""
}

// jsonCursor decodes a cursor that is an array or an object, numbers
// kept as written (json.Number: Elasticsearch's millisecond times and
// 64-bit sort values lose no digit), and returns its canonical text
// (keys sorted, no spaces), by which a repeated cursor is known.
func jsonCursor(v gjson.Result) (string, any, error) {
	d := json.NewDecoder(strings.NewReader(v.Raw))
	d.UseNumber()
	var value any
	if err := d.Decode(&value); err != nil {
		return "", nil, fmt.Errorf("%s is no JSON value: %w", kindText(v), err)
	}
	b, err := json.Marshal(value)
	if err != nil {
		return "", nil, err
	}
	return string(b), value, nil
}

// cursorText shortens a cursor quoted in an error.
func cursorText(c string) string {
	if len(c) > 64 {
		return c[:64] + "…"
	}
	return c
}

// setJSONPath sets a dotted path in req's JSON body, creating what is
// missing on the way; the body must be absent or a JSON object. A path is
// written as gjson reads it: a numeric segment is an index into an array
// (search_after.0 is the first item of search_after, created as an array
// when absent) and a key of an object that holds it.
func setJSONPath(req *Request, path string, value any) error {
	if req.JSON == nil {
		req.JSON = map[string]any{}
	}
	if _, ok := req.JSON.(map[string]any); !ok {
		return fmt.Errorf("request body is a %T, want a JSON object", req.JSON)
	}
	out, err := setIn(req.JSON, strings.Split(path, "."), value)
	if err != nil {
		return err
	}
	req.JSON = out
	return nil
}

// setIn returns v with keys set to value, v created when nil.
func setIn(v any, keys []string, value any) (any, error) {
	if len(keys) == 0 {
		return value, nil
	}
	k := keys[0]
	index, err := strconv.Atoi(k)
	numeric := err == nil && index >= 0 && strconv.Itoa(index) == k
	switch t := v.(type) {
	case nil:
		if numeric {
			if index != 0 {
				return nil, fmt.Errorf("%q: index %d of an array that does not exist (the body would need null items before it: write the array in the endpoint's json)", k, index)
			}
			child, err := setIn(nil, keys[1:], value)
			return []any{child}, err
		}
		child, err := setIn(nil, keys[1:], value)
		return map[string]any{k: child}, err
	case map[string]any:
		child, err := setIn(t[k], keys[1:], value)
		if err != nil {
			return nil, err
		}
		t[k] = child
		return t, nil
	case []any:
		if !numeric {
			return nil, fmt.Errorf("%q in the request body's path is no index of an array", k)
		}
		if index > len(t) {
			return nil, fmt.Errorf("%q: index %d past the end of an array of %d items", k, index, len(t))
		}
		var cur any
		if index < len(t) {
			cur = t[index]
		}
		child, err := setIn(cur, keys[1:], value)
		if err != nil {
			return nil, err
		}
		if index == len(t) {
			return append(t, child), nil
		}
		t[index] = child
		return t, nil
	}
	return nil, fmt.Errorf("%q is set inside a %T of the request body, want an object or an array", k, v)
}
