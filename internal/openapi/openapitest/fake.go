package openapitest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Page describes one list operation the fake serves: its path template
// below the server's path, the response example (or one built from the
// schema) and the property holding the records ("" for the body).
type Page struct {
	Path     string // /orgs/{org_id}/projects
	Body     any
	Selector string
}

// Fake serves a document's list operations from their examples. A
// request for a later page (page > 1, offset > 0, or any cursor param)
// gets the example with its records emptied, so every paginator stops
// after the first page. POST to a path ending in "token" answers an
// OAuth2 client-credentials token request.
type Fake struct {
	Prefix string // the server URL's path, /rest
	Pages  []Page
}

var laterPage = []string{"starting_after", "cursor", "page_token", "pageToken", "after", "marker", "next_token", "continuation_token"}

// ServeHTTP implements http.Handler.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "token") {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"fake-access","token_type":"bearer","expires_in":3600}`))
		return
	}
	path := strings.TrimPrefix(r.URL.Path, f.Prefix)
	for _, p := range f.Pages {
		if !matchPath(p.Path, path) {
			continue
		}
		body := p.Body
		if later(r.URL.Query()) {
			body = emptied(body, p.Selector)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
}

func later(q url.Values) bool {
	for _, k := range laterPage {
		if q.Get(k) != "" {
			return true
		}
	}
	for _, k := range []string{"page", "page_number"} {
		if n, err := strconv.Atoi(q.Get(k)); err == nil && n > 1 {
			return true
		}
	}
	n, err := strconv.Atoi(q.Get("offset"))
	return err == nil && n > 0
}

// emptied returns body with the records at selector replaced by [].
func emptied(body any, selector string) any {
	if selector == "" {
		return []any{}
	}
	m, ok := body.(map[string]any)
	if !ok {
		return body
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	head, rest, nested := strings.Cut(selector, ".")
	if nested {
		out[head] = emptied(m[head], rest)
	} else {
		out[head] = []any{}
	}
	return out
}

// matchPath matches /orgs/{org_id}/projects against /orgs/o1/projects.
func matchPath(template, path string) bool {
	ts := strings.Split(strings.Trim(template, "/"), "/")
	ps := strings.Split(strings.Trim(path, "/"), "/")
	if len(ts) != len(ps) {
		return false
	}
	for i, t := range ts {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if t != ps[i] {
			return false
		}
	}
	return true
}
