package rest

import (
	"errors"
	"net/http"
	"testing"
)

// TestHeaderLinkNextIsSelf: a rel="next" equal to the page's own URL ends
// the walk, unless rel="last" names another page (GitLab and GitHub send
// it on every page but the last): then pages are missing, an error.
func TestHeaderLinkNextIsSelf(t *testing.T) {
	const self = "https://api.test/items?per_page=3&page=2"
	tests := []struct {
		name, link string
		err        error
	}{
		{"no last", `<` + self + `>; rel="next"`, nil},
		{"last is self", `<https://api.test/items?page=2&per_page=3>; rel="next", <` + self + `>; rel="last"`, nil},
		{"last further", `<` + self + `>; rel="next", <https://api.test/items?per_page=3&page=3>; rel="last"`, ErrMorePages},
		{"relative last further", `<` + self + `>; rel="next", </items?per_page=3&page=9>; REL=last`, ErrMorePages},
		// No next link at all (Greenhouse's header on a page whose next
		// link the server left out).
		{"no next, last further", `<https://api.test/items?per_page=3&page=1>; rel="prev", <https://api.test/items?per_page=3&page=3>; rel="last"`, ErrMorePages},
		{"no next, last is self", `<https://api.test/items?per_page=3&page=1>; rel="prev", <` + self + `>; rel="last"`, nil},
		{"no next, last before", `<https://api.test/items?per_page=3&page=1>; rel="prev", <https://api.test/items?page=1&per_page=3>; rel="last"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := NewPaginator(pcfg(KindHeaderLink), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, self)
			if err := pg.Init(req); err != nil {
				t.Fatal(err)
			}
			resp := &Response{Header: http.Header{"Link": {tt.link}}, Body: []byte(`[{"id":4},{"id":5},{"id":6}]`)}
			more, err := pg.Next(req, resp, recs(3))
			if more || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Errorf("Next = %v, %v; want false, %v", more, err, tt.err)
			}
		})
	}
}

// TestHeaderLinkResultsFalse: Sentry's rel="next" with results="false"
// (any case, spacing or quoting) ends the walk without a request; with
// results="true", and on an empty page that still links the next one,
// the link is followed.
func TestHeaderLinkResultsFalse(t *testing.T) {
	const next = "https://sentry.test/api/0/issues/?cursor=0:100:0"
	tests := []struct {
		name, link string
		records    int
		want       string
	}{
		{"results false", `<https://sentry.test/api/0/issues/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <` + next + `>; rel="next"; results="false"; cursor="0:100:0"`, 3, ""},
		{"odd spelling", `<` + next + `> ; REL = Next ; Results = FALSE`, 3, ""},
		{"unquoted", `<` + next + `>;rel=next;results=false`, 3, ""},
		{"results true", `<` + next + `>; rel="next"; results="true"; cursor="0:100:0"`, 3, next},
		{"empty page links on", `<` + next + `>; rel="next"`, 0, next},
		{"empty page, results false", `<` + next + `>; rel="next"; results="false"`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := NewPaginator(pcfg(KindHeaderLink), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://sentry.test/api/0/issues/")
			if err := pg.Init(req); err != nil {
				t.Fatal(err)
			}
			more, err := pg.Next(req, &Response{Header: http.Header{"Link": {tt.link}}, Body: []byte(`[]`)}, recs(tt.records))
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			got := ""
			if more {
				got = req.URL.String()
			}
			if got != tt.want {
				t.Errorf("next request %q, want %q", got, tt.want)
			}
		})
	}
}
