package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
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

// TestEmptyObjectAfterFirstPageFails: {} is an empty list on the first
// page (Square), but after a page that promised more it is no end the
// API gave, for every paginator whose stop rule would take it as one
// (a short offset page, an empty page_number page, a missing next link).
func TestEmptyObjectAfterFirstPageFails(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cfg   PaginatorConfig
		first string
	}{
		{"offset without total", pcfg(KindOffset, func(c *PaginatorConfig) { c.Limit = 2 }), `{"data":[{"id":1},{"id":2}]}`},
		{"page_number", pcfg(KindPageNumber), `{"data":[{"id":1}]}`},
		{"json_link", pcfg(KindJSONLink), `{"data":[{"id":1}],"next":"/items?p=2"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					fmt.Fprint(w, tt.first)
					return
				}
				fmt.Fprint(w, `{}`)
			})
			pg, err := NewPaginator(tt.cfg, mustURL(t, srv.URL), nil)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := newTestClient(t, Options{})
			var last error
			for _, err := range c.Pages(context.Background(), get(t, srv.URL+"/items"), pg, NewSelector("data", nil), Call{Resource: "t"}) {
				if err != nil {
					last = err
				}
			}
			if !errors.Is(last, ErrMorePages) || !strings.Contains(fmt.Sprint(last), "page 2 is {} after a page that promised more") {
				t.Errorf("err = %v, want ErrMorePages naming page 2's {}", last)
			}
		})
	}
}

// TestEndReadsNestedPagingObjects: a paging object inside meta counts as
// one: CrowdStrike's meta.pagination.total above the records read fails a
// short offset page without total_path; Jira's isLast false a cursor walk
// that lost its token.
func TestEndReadsNestedPagingObjects(t *testing.T) {
	for _, tt := range []struct {
		cfg         PaginatorConfig
		first, body string // first: a full page before body, if any
		n           int    // records of body
		want        string
	}{
		{pcfg(KindOffset, func(c *PaginatorConfig) { c.Limit = 5 }), `{"resources":["1","2","3","4","5"]}`,
			`{"meta":{"query_time":0.01,"pagination":{"offset":5,"limit":5,"total":8},"trace_id":"t"},"resources":["a","b"],"errors":[]}`, 2,
			`body "meta.pagination.total" is 8 and 7 records were read`},
		{pcfg(KindCursor, func(c *PaginatorConfig) { c.CursorPath = "nextPageToken"; c.CursorParam = "nextPageToken" }), "",
			`{"issues":[{"id":"1"}],"isLast":false}`, 1, `body "isLast" is false`},
	} {
		pg, err := NewPaginator(tt.cfg, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := get(t, "https://a.test/devices")
		pg.Init(req)
		if tt.first != "" {
			if more, err := pg.Next(req, &Response{Body: []byte(tt.first)}, recs(5)); !more || err != nil {
				t.Fatalf("first page: more %v, err %v", more, err)
			}
		}
		_, err = pg.Next(req, &Response{Body: []byte(tt.body)}, recs(tt.n))
		if !errors.Is(err, ErrMorePages) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.body, err, tt.want)
		}
	}
}
