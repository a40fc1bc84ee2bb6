package rest

import (
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/tidwall/gjson"
)

// Paginator kinds, the values of paginator.type.
const (
	KindJSONLink     = "json_link"
	KindHeaderLink   = "header_link"
	KindOffset       = "offset"
	KindPageNumber   = "page_number"
	KindCursor       = "cursor"
	KindHeaderCursor = "header_cursor"
	KindSinglePage   = "single_page"
	KindAuto         = "auto"
)

// ParallelPaginator is implemented by paginators that are configured to
// fetch several pages at once (paginator.parallel). Pages uses it together
// with PageCounter: when Parallelism is above 1 and Remaining computes the
// later requests, up to that many pages are in flight, yielded in order.
// Paginators without it, or returning 1 or less, are walked one page at a
// time.
type ParallelPaginator interface {
	Parallelism() int
}

// NewPaginator builds the paginator of one request chain from its spec.
// A nil spec means auto: the kind is detected from the first response and
// the choice is logged. baseURL is client.base_url, needed by json_link
// with relative_to: base_url. Paginators are stateful: call NewPaginator
// once per chain.
func NewPaginator(p *spec.Paginator, baseURL *url.URL, logger *slog.Logger) (Paginator, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if p == nil {
		return &Auto{logger: logger}, nil
	}
	var (
		pg  Paginator
		err error
	)
	switch p.Type {
	case KindJSONLink:
		pg, err = newJSONLink(p, baseURL)
	case KindHeaderLink:
		pg = &HeaderLink{rel: or(p.LinksNextKey, "next")}
	case KindOffset:
		pg, err = newOffset(p)
	case KindPageNumber:
		pg, err = newPageNumber(p)
	case KindCursor:
		pg = newCursor(p.CursorPath, p.CursorParam, p.CursorBodyPath)
	case KindHeaderCursor:
		pg = &HeaderCursor{key: or(p.CursorKey, "next"), param: or(p.CursorParam, "cursor")}
	case KindSinglePage:
		pg = SinglePage{}
	case KindAuto:
		pg = &Auto{logger: logger}
	case "":
		err = fmt.Errorf("type is missing")
	default:
		err = fmt.Errorf("unknown type %q (want one of json_link, header_link, offset, page_number, cursor, header_cursor, single_page, auto)", p.Type)
	}
	if err != nil {
		return nil, err
	}
	return pg, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
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
