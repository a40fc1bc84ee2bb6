package rest

import (
	"net/http"
	"net/url"
	"slices"
)

// Clone returns a deep copy of r: URL, headers, form, JSON body (maps
// and slices of a decoded JSON value are copied; other values are shared)
// and the names of its parent parameters.
func (r *Request) Clone() *Request {
	if r == nil {
		return nil
	}
	c := &Request{Method: r.Method, Header: r.Header.Clone(), JSON: cloneJSON(r.JSON), Raw: r.Raw, Parent: slices.Clone(r.Parent),
		slots: r.slots, values: cloneValues(r.values)}
	if r.URL != nil {
		u := *r.URL // url.Userinfo is immutable, sharing it is safe
		c.URL = &u
	}
	if r.Form != nil {
		c.Form = make(url.Values, len(r.Form))
		for k, v := range r.Form {
			c.Form[k] = append([]string(nil), v...)
		}
	}
	return c
}

func cloneJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = cloneJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = cloneJSON(e)
		}
		return s
	case map[string]string:
		m := make(map[string]string, len(t))
		for k, e := range t {
			m[k] = e
		}
		return m
	default:
		return v
	}
}

// setQuery sets one query parameter of req's URL, keeping the others.
func setQuery(req *Request, name, value string) {
	q := req.URL.Query()
	q.Set(name, value)
	req.URL.RawQuery = q.Encode()
}

// header returns req's headers, creating them if needed.
func header(req *Request) http.Header {
	if req.Header == nil {
		req.Header = http.Header{}
	}
	return req.Header
}
