package rest

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/tidwall/gjson"
)

var _ Paginator = (*Auto)(nil)

// Auto detects the paginator from the first response (auto, and a spec
// with no paginator) and logs its choice and why. In order:
//   - a Link header with rel="next": header_link;
//   - a URL (absolute, or starting with / or ?) at next, links.next,
//     next_url or pagination.next in the body: json_link at that path,
//     relative to the request URL;
//   - a non-empty cursor at cursors.next, next_cursor or meta.next_cursor:
//     cursor at that path, sent as the "cursor" query parameter;
//   - otherwise single_page.
//
// It never guesses offset or page_number: they need a limit or a page
// parameter that a response cannot reveal. After detection the chosen
// paginator's stop rule applies.
type Auto struct {
	logger *slog.Logger
	first  *Request
	chosen Paginator
}

var (
	autoLinkPaths   = []string{"next", "links.next", "next_url", "pagination.next"}
	autoCursorPaths = []string{"cursors.next", "next_cursor", "meta.next_cursor"}
)

// Init keeps the first request for the paginator it will choose.
func (a *Auto) Init(req *Request) error {
	a.first, a.chosen = req.Clone(), nil
	return nil
}

// Next detects the paginator on the first call and then delegates to it.
func (a *Auto) Next(req *Request, resp *Response, records int) (bool, error) {
	if a.chosen == nil {
		p, kind, why := detectPaginator(resp)
		a.logger.Info(fmt.Sprintf("paginator: detected %s (%s)", kind, why), "url", redactURL(req.URL))
		if err := p.Init(a.first.Clone()); err != nil {
			return false, err
		}
		a.chosen = p
	}
	return a.chosen.Next(req, resp, records)
}

// Chosen returns the detected paginator, nil before the first response.
func (a *Auto) Chosen() Paginator { return a.chosen }

func detectPaginator(resp *Response) (Paginator, string, string) {
	if _, ok := linkRel(resp.Header, "next"); ok {
		return &HeaderLink{rel: "next", kindTag: "auto (header_link)"}, KindHeaderLink, `Link header rel="next"`
	}
	if gjson.ValidBytes(resp.Body) {
		for _, p := range autoLinkPaths {
			v := gjson.GetBytes(resp.Body, p)
			if v.IsObject() {
				v = v.Get("href")
			}
			if v.Type == gjson.String && urlish(v.Str) {
				return &JSONLink{path: p, kindTag: "auto (json_link)"}, KindJSONLink, fmt.Sprintf("body %q holds a URL", p)
			}
		}
		for _, p := range autoCursorPaths {
			v := gjson.GetBytes(resp.Body, p)
			if (v.Type == gjson.String && strings.TrimSpace(v.Str) != "") || v.Type == gjson.Number {
				c := newCursor(p, "cursor", "")
				c.kindTag = "auto (cursor)"
				return c, KindCursor, fmt.Sprintf("body %q holds a cursor; sent as query parameter \"cursor\"", p)
			}
		}
	}
	return SinglePage{}, KindSinglePage, "no Link header, next link or cursor in the first response"
}

func urlish(s string) bool {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "?") {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
