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
