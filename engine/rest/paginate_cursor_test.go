package rest

import "testing"

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
