package rest

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestCursorSentByteForByte: a cursor with spaces or newlines at its ends
// (Intercom's documented starting_after ends with "\n") is sent as the
// body holds it, in the query and in a JSON body; a blank one ends the
// walk.
func TestCursorSentByteForByte(t *testing.T) {
	body := []byte(`{"data":[1],"pages":{"next":{"starting_after":"1HaSB+xrOy/c1Rte\nIncfQ \n"}}}`)
	pg, err := NewPaginator(pcfg("cursor", func(c *PaginatorConfig) { c.CursorPath = "pages.next.starting_after"; c.CursorParam = "starting_after" }), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := get(t, "https://api.test/contacts")
	pg.Init(req)
	if more, err := pg.Next(req, &Response{Body: body}, recs(1)); !more || err != nil {
		t.Fatalf("more %v, err %v", more, err)
	}
	if got := req.URL.Query().Get("starting_after"); got != "1HaSB+xrOy/c1Rte\nIncfQ \n" {
		t.Errorf("query cursor %q", got)
	}
	pg, _ = NewPaginator(pcfg("cursor", func(c *PaginatorConfig) {
		c.CursorPath = "pages.next.starting_after"
		c.CursorBodyPath = "pagination.starting_after"
	}), nil, nil)
	req = get(t, "https://api.test/contacts/search")
	pg.Init(req)
	if more, err := pg.Next(req, &Response{Body: body}, recs(1)); !more || err != nil {
		t.Fatalf("body: more %v, err %v", more, err)
	}
	if got := req.JSON.(map[string]any)["pagination"].(map[string]any)["starting_after"]; got != "1HaSB+xrOy/c1Rte\nIncfQ \n" {
		t.Errorf("body cursor %q", got)
	}
	pg, _ = NewPaginator(pcfg("cursor", func(c *PaginatorConfig) { c.CursorPath = "next" }), nil, nil)
	req = get(t, "https://api.test/x")
	pg.Init(req)
	if more, err := pg.Next(req, &Response{Body: []byte(`{"data":[1],"next":" \n"}`)}, recs(1)); more || err != nil {
		t.Errorf("blank cursor: more %v, err %v; want the end", more, err)
	}
}

// TestCursorEmptyObjectAfterACursor: {} as the first page is an empty
// list (Square); {} after a cursor is no end the API promised, and fails.
func TestCursorEmptyObjectAfterACursor(t *testing.T) {
	pg, _ := NewPaginator(pcfg("cursor", func(c *PaginatorConfig) { c.CursorPath = "cursor" }), nil, nil)
	req := get(t, "https://api.test/v2/customers")
	pg.Init(req)
	if more, err := pg.Next(req, &Response{Body: []byte(`{}`)}, nil); more || err != nil {
		t.Errorf("first page {}: more %v, err %v; want the end", more, err)
	}
	pg.Init(req)
	if more, err := pg.Next(req, &Response{Body: []byte(`{"customers":[{"id":"a"}],"cursor":"c2"}`)}, recs(1)); !more || err != nil {
		t.Fatalf("more %v, err %v", more, err)
	}
	_, err := pg.Next(req, &Response{Body: []byte(` {} `)}, nil)
	if !errors.Is(err, ErrMorePages) || !strings.Contains(err.Error(), "page 2 is {} after a cursor that promised more") {
		t.Errorf("err = %v", err)
	}
}

// TestCursorSiblingFlag: a GraphQL connection's pageInfo holds the cursor
// and its flag side by side, deeper than the end check's fixed places
// (data.issues.pageInfo): hasNextPage true beside a null or missing
// endCursor fails the walk; false, or no flag, ends it.
func TestCursorSiblingFlag(t *testing.T) {
	cfg := pcfg("cursor", func(c *PaginatorConfig) {
		c.CursorPath, c.CursorBodyPath = "data.issues.pageInfo.endCursor", "variables.after"
	})
	for _, c := range []struct{ name, body, err string }{
		{"null cursor, more", `{"data":{"issues":{"nodes":[{"id":"a"}],"pageInfo":{"hasNextPage":true,"endCursor":null}}}}`,
			`cursor: no cursor at cursor_path "data.issues.pageInfo.endCursor", but body "data.issues.pageInfo.hasNextPage" is true: more pages than the paginator follows`},
		{"no cursor, more", `{"data":{"issues":{"nodes":[{"id":"a"}],"pageInfo":{"hasNextPage":true}}}}`, `body "data.issues.pageInfo.hasNextPage" is true`},
		{"blank cursor, has_more", `{"data":{"issues":{"nodes":[],"pageInfo":{"has_more":true,"endCursor":""}}}}`, `body "data.issues.pageInfo.has_more" is true`},
		{"null cursor, done", `{"data":{"issues":{"nodes":[{"id":"a"}],"pageInfo":{"hasNextPage":false,"endCursor":null}}}}`, ""},
		{"null cursor, no flag", `{"data":{"issues":{"nodes":[{"id":"a"}],"pageInfo":{"endCursor":null}}}}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			endsOn(t, cfg, "https://api.test/graphql", &Response{Body: []byte(c.body)}, c.err)
		})
	}
}

// TestCursorHeaderToken: a walk whose body holds no cursor ends, unless a
// response header named after the cursor (Azure DevOps'
// x-ms-continuationtoken for continuationToken) holds a token: then it
// fails naming the header and header_cursor. A header that only echoes
// the token sent, or one named otherwise, is no sign.
func TestCursorHeaderToken(t *testing.T) {
	cfg := pcfg("cursor", func(c *PaginatorConfig) { c.CursorPath, c.CursorParam = "continuationToken", "continuationToken" })
	for _, c := range []struct {
		name, url string
		header    http.Header
		err       string
	}{
		{"no header", "https://api.test/builds", http.Header{}, ""},
		{"other header", "https://api.test/builds", http.Header{"X-Ms-Request-Id": {"abc"}, "Retry-After": {"5"}}, ""},
		{"blank", "https://api.test/builds", http.Header{"X-Ms-Continuationtoken": {" "}}, ""},
		{"echo", "https://api.test/builds?continuationToken=2", http.Header{"X-Ms-Continuationtoken": {"2"}}, ""},
		{"token", "https://api.test/builds", http.Header{"X-Ms-Continuationtoken": {"+Mj/AyNC=2"}},
			`cursor: no cursor at cursor_path "continuationToken", but header x-ms-continuationtoken still holds "+Mj/AyNC=2": more pages than the paginator follows (the API sends its token in a header: set header_cursor with cursor_key "x-ms-continuationtoken" and cursor_param "continuationToken")`},
	} {
		t.Run(c.name, func(t *testing.T) {
			endsOn(t, cfg, c.url, &Response{Header: c.header, Body: []byte(`{"count":1,"value":[{"id":1}]}`)}, c.err)
		})
	}
}

// TestCursorHeaderTokenShortNames: HubSpot's cursor_param "after" must not
// read Retry-After as a token header.
func TestCursorHeaderTokenShortNames(t *testing.T) {
	pg, _ := NewPaginator(pcfg("cursor", func(c *PaginatorConfig) { c.CursorPath, c.CursorParam = "paging.next.after", "after" }), nil, nil)
	req := get(t, "https://api.test/crm/v3/objects/contacts")
	pg.Init(req)
	h := http.Header{"Retry-After": {"10"}, "X-After": {"x"}}
	if more, err := pg.Next(req, &Response{Header: h, Body: []byte(`{"results":[{"id":"1"}]}`)}, recs(1)); more || err != nil {
		t.Errorf("more %v, err %v; want the end", more, err)
	}
}

// endsOn runs one page of cfg's walk from url and fails t unless the
// walk ends there: quietly when want is "", else with ErrMorePages
// holding want.
func endsOn(t *testing.T, cfg PaginatorConfig, url string, resp *Response, want string) {
	t.Helper()
	pg, err := NewPaginator(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := get(t, url)
	pg.Init(req)
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	more, err := pg.Next(req, resp, recs(1))
	switch {
	case more:
		t.Fatal("more = true")
	case want == "" && err != nil:
		t.Errorf("err = %v, want the end", err)
	case want != "" && (!errors.Is(err, ErrMorePages) || !strings.Contains(err.Error(), want)):
		t.Errorf("err = %v\nwant ErrMorePages holding %s", err, want)
	}
}
