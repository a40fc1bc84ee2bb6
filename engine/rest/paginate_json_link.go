package rest

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/tidwall/gjson"
)

var _ Paginator = (*JSONLink)(nil)

// JSONLink follows a next link found in the response body (json_link).
//
// Fields: next_url_path (gjson path of the link, default "next"; a JSON:API
// link object {"href": ...} is accepted), relative_to ("url", the default:
// a relative link is resolved against the request URL as RFC 3986 says;
// "base_url": the link's path is appended to client.base_url's path and
// its query replaces the request's query entirely, for Snyk-style links
// that omit the API root "/rest").
//
// Stop rule: the link is missing, null or empty; the link equals the URL
// of the page it came from ("next == self"); or the page held no records.
// A link seen before is an error wrapping ErrLoop.
type JSONLink struct {
	path    string
	base    *url.URL // set for relative_to: base_url
	seen    map[string]bool
	kindTag string // "json_link", or "auto (json_link)" when detected
}

func newJSONLink(p *spec.Paginator, base *url.URL) (*JSONLink, error) {
	j := &JSONLink{path: or(p.NextURLPath, "next"), kindTag: KindJSONLink}
	switch p.RelativeTo {
	case "", "url":
	case "base_url":
		if base == nil || !base.IsAbs() {
			return nil, fmt.Errorf("json_link: relative_to base_url needs an absolute client.base_url")
		}
		j.base = base
	default:
		return nil, fmt.Errorf("json_link: relative_to %q (want url or base_url)", p.RelativeTo)
	}
	return j, nil
}

// Init remembers the first URL, so a link back to it is a loop.
func (j *JSONLink) Init(req *Request) error {
	j.seen = map[string]bool{canonicalURL(req.URL): true}
	return nil
}

// Next points req at the next link of resp.
func (j *JSONLink) Next(req *Request, resp *Response, records int) (bool, error) {
	if records == 0 {
		return false, nil
	}
	v := gjson.GetBytes(resp.Body, j.path)
	if v.IsObject() {
		v = v.Get("href")
	}
	if !v.Exists() || v.Type == gjson.Null {
		return false, nil
	}
	if v.Type != gjson.String {
		return false, fmt.Errorf("%s: next_url_path %q is %s, want a URL", j.kindTag, j.path, kindText(v))
	}
	link := strings.TrimSpace(v.Str)
	if link == "" {
		return false, nil
	}
	next, err := resolveLink(req.URL, j.base, link)
	if err != nil {
		return false, fmt.Errorf("%s: %w", j.kindTag, err)
	}
	return followLink(j.kindTag, j.seen, req, next)
}

// followLink moves req to next unless next is the current page (stop) or
// a page seen before (ErrLoop).
func followLink(tag string, seen map[string]bool, req *Request, next *url.URL) (bool, error) {
	key := canonicalURL(next)
	if key == canonicalURL(req.URL) {
		return false, nil
	}
	if seen[key] {
		return false, fmt.Errorf("%s: next link %s seen before: %w", tag, redactURL(next), ErrLoop)
	}
	seen[key] = true
	req.URL = next
	return true, nil
}

// resolveLink makes link absolute: as is when it has a scheme, appended
// to base's path when base is set, else resolved against cur.
func resolveLink(cur, base *url.URL, link string) (*url.URL, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("next link is not a URL: %w", err)
	}
	if u.IsAbs() {
		return u, nil
	}
	if base == nil {
		return cur.ResolveReference(u), nil
	}
	j := *base
	j.RawQuery, j.Fragment, j.RawFragment = u.RawQuery, "", ""
	if p := u.EscapedPath(); p != "" {
		esc := strings.TrimSuffix(base.EscapedPath(), "/") + "/" + strings.TrimPrefix(p, "/")
		dec, err := url.PathUnescape(esc)
		if err != nil {
			return nil, fmt.Errorf("next link path: %w", err)
		}
		j.Path, j.RawPath = dec, esc
	}
	return &j, nil
}
