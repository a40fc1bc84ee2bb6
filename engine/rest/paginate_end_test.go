package rest

import (
	"errors"
	"strings"
	"testing"
)

// TestEndSeesNextObjects: a cursor walk that stops because its cursor is
// gone fails when a next object still points on: Asana's next_page with
// a uri but no offset, Intercom's pages.next with a page but no
// starting_after.
func TestEndSeesNextObjects(t *testing.T) {
	tests := []struct {
		path, body, err string
	}{
		{"next_page.offset", `{"data":[{"gid":"1"}],"next_page":{"path":"/tasks?offset=eyJ0","uri":"https://a.test/api/1.0/tasks?offset=eyJ0"}}`, `body "next_page.uri" still holds the link https://a.test/api/1.0/tasks?offset=eyJ0`},
		{"pages.next.starting_after", `{"type":"list","data":[{"id":"1"}],"pages":{"type":"pages","next":{"page":3},"page":2,"per_page":1,"total_pages":3}}`, `body "pages.next" still holds object {"page":3}`},
	}
	for _, tt := range tests {
		pg, err := NewPaginator(pcfg("cursor", func(c *PaginatorConfig) { c.CursorPath = tt.path; c.CursorParam = "offset" }), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := get(t, "https://a.test/api/1.0/tasks?offset=x")
		pg.Init(req)
		_, err = pg.Next(req, &Response{Body: []byte(tt.body)}, recs(1))
		if !errors.Is(err, ErrMorePages) || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: err = %v, want %q", tt.body, err, tt.err)
		}
	}
	// A next object with nothing in it, or only nulls, is the end.
	for _, body := range []string{`{"data":[1],"next_page":null}`, `{"data":[1],"pages":{"next":{}}}`, `{"data":[1],"next_page":{"offset":null,"uri":null}}`} {
		pg, _ := NewPaginator(pcfg("cursor", func(c *PaginatorConfig) { c.CursorPath = "next_page.offset" }), nil, nil)
		req := get(t, "https://a.test/x")
		pg.Init(req)
		if more, err := pg.Next(req, &Response{Body: []byte(body)}, recs(1)); more || err != nil {
			t.Errorf("%s: more %v, err %v; want the end", body, more, err)
		}
	}
}
