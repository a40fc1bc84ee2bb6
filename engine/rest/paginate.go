package rest

import (
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// Paginator kinds, the values of paginator.type.
const (
	KindJSONLink     = "json_link"
	KindJSONResponse = "json_response" // dlt's old name of json_link
	KindHeaderLink   = "header_link"
	KindOffset       = "offset"
	KindPageNumber   = "page_number"
	KindCursor       = "cursor"
	KindHeaderCursor = "header_cursor"
	KindLastID       = "last_id"
	KindSinglePage   = "single_page"
	KindAuto         = "auto"
)

// NewPaginator builds the paginator of one request chain from its
// configuration, taken as is: plan applies the defaults (DefaultPaginator).
// Type auto detects the kind from the first response and logs the choice.
// baseURL is client.base_url, needed by json_link with relative_to:
// base_url. Paginators are stateful: call NewPaginator once per chain.
func NewPaginator(c PaginatorConfig, baseURL *url.URL, logger *slog.Logger) (Paginator, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxPages <= 0 {
		return nil, fmt.Errorf("max_pages %d: want a number of pages above 0", c.MaxPages)
	}
	b := bounds{kind: c.Type, maxPages: c.MaxPages}
	if len(c.Placed) > 0 {
		b.placed = map[string]bool{}
		for _, name := range c.Placed {
			if !slices.Contains(ValueKinds[name], c.Type) {
				return nil, fmt.Errorf("{paginator.%s}: %s has no such value (%s)", name, c.Type, valueHint(name))
			}
			b.placed[name] = true
		}
	}
	switch c.Type {
	case KindJSONLink, KindJSONResponse:
		b.kind = KindJSONLink
		return newJSONLink(c, baseURL, b)
	case KindHeaderLink:
		if c.LinksNextKey == "" {
			return nil, fmt.Errorf("header_link: links_next_key is empty")
		}
		return &HeaderLink{rel: c.LinksNextKey, stopEmpty: c.StopAfterEmptyPage, bounds: b}, nil
	case KindOffset:
		return newOffset(c, b)
	case KindPageNumber:
		return newPageNumber(c, b)
	case KindCursor:
		return newCursor(c, b)
	case KindHeaderCursor:
		if c.CursorKey == "" || c.CursorParam == "" {
			return nil, fmt.Errorf("header_cursor: cursor_key and cursor_param must not be empty")
		}
		return &HeaderCursor{key: c.CursorKey, param: c.CursorParam, bounds: b}, nil
	case KindLastID:
		return newLastID(c, b)
	case KindSinglePage:
		return SinglePage{}, nil
	case KindAuto:
		return &Auto{logger: logger, maxPages: c.MaxPages}, nil
	case "":
		return nil, fmt.Errorf("type is missing")
	}
	return nil, fmt.Errorf("unknown type %q (want one of %s)", c.Type, strings.Join(Kinds(), ", "))
}

// Kinds returns the paginator kinds a spec may name.
func Kinds() []string {
	return []string{KindJSONLink, KindJSONResponse, KindHeaderLink, KindOffset, KindPageNumber, KindCursor, KindHeaderCursor, KindLastID, KindSinglePage, KindAuto}
}

// canonicalURL renders u for comparison: query parameters sorted and
// re-encoded, fragment dropped.
func canonicalURL(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	c.Host = strings.ToLower(c.Host)
	c.Scheme = strings.ToLower(c.Scheme)
	if q, err := url.ParseQuery(c.RawQuery); err == nil {
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// redactURL hides the values of sensitive-looking query parameters of a
// URL quoted in a paginator error.
func redactURL(u *url.URL) string { return (*Redactor)(nil).URL(u) }

// readInt reads a whole number at path (a number or a numeric string).
func readInt(body []byte, path, field string) (int, error) {
	v := gjson.GetBytes(body, path)
	switch v.Type {
	case gjson.Number:
		if v.Num == float64(int(v.Num)) {
			return int(v.Num), nil
		}
	case gjson.String:
		if n, err := strconv.Atoi(strings.TrimSpace(v.Str)); err == nil {
			return n, nil
		}
	case gjson.Null:
		if !v.Exists() {
			return 0, fmt.Errorf("%s %q not found in the response", field, path)
		}
	}
	return 0, fmt.Errorf("%s %q is %s, want a whole number", field, path, kindText(v))
}

// readBool reads a boolean at path (true/false or "true"/"false").
func readBool(body []byte, path, field string) (bool, error) {
	v := gjson.GetBytes(body, path)
	switch v.Type {
	case gjson.True:
		return true, nil
	case gjson.False:
		return false, nil
	case gjson.String:
		if b, err := strconv.ParseBool(v.Str); err == nil {
			return b, nil
		}
	case gjson.Null:
		if !v.Exists() {
			return false, fmt.Errorf("%s %q not found in the response", field, path)
		}
	}
	return false, fmt.Errorf("%s %q is %s, want a boolean", field, path, kindText(v))
}

func kindText(v gjson.Result) string {
	raw := v.Raw
	if len(raw) > 40 {
		raw = raw[:40] + "…"
	}
	return kind(v) + " " + raw
}
