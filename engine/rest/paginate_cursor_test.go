package rest

import (
	"errors"
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
