package rest

import (
	"net/http"
	"strings"
	"testing"
)

func TestKeepsTotal(t *testing.T) {
	withTotal, pagesOnly, none := []byte(`{"total":7,"items":[]}`), []byte(`{"total_pages":3,"items":[]}`), []byte(`{"items":[]}`)
	wpTotal := http.Header{"X-Wp-Total": {"7"}, "X-Wp-Totalpages": {"1"}}
	cases := []struct {
		kind, totalPath string
		body            []byte
		header          http.Header
		want            bool
	}{
		{KindOffset, "total", none, nil, true},
		{KindOffset, "", withTotal, nil, true},
		{KindOffset, "", none, nil, false},
		{KindOffset, "", none, wpTotal, true},
		{KindPageNumber, "total_pages", pagesOnly, nil, false}, // pages: a record created may leave them as they were
		{KindPageNumber, "", withTotal, nil, true},
		{KindPageNumber, "", []byte(`[]`), wpTotal, true},
		{KindPageNumber, "", []byte(`[]`), http.Header{"X-Total-Count": {"many"}}, false},
		{KindJSONLink, "count", none, nil, true},
		{KindJSONResponse, "count", none, nil, true},
		{KindJSONLink, "", withTotal, nil, true},       // held to it when its links walk by position
		{KindHeaderLink, "", withTotal, wpTotal, true}, // likewise
		{KindCursor, "", withTotal, nil, false},
	}
	for _, c := range cases {
		if got := KeepsTotal(c.kind, c.totalPath, &Response{Body: c.body, Header: c.header}); got != c.want {
			t.Errorf("KeepsTotal(%s, %q, %s, %v) = %v, want %v", c.kind, c.totalPath, c.body, c.header, got, c.want)
		}
	}
}

// TestHeaderTotalHeld: a walk by position whose first page gives its
// total in a header (WordPress' X-WP-Total) fails when a later page
// gives another; a body total wins over a header's.
func TestHeaderTotalHeld(t *testing.T) {
	page := func(body, total string) *Response {
		return &Response{Body: []byte(body), Header: http.Header{"X-Wp-Total": {total}}}
	}
	var rt recordTotal
	rt.reset()
	if err := rt.check("page_number", page(`[{"id":1}]`, "5"), "page 1"); err != nil {
		t.Fatal(err)
	}
	err := rt.check("page_number", page(`[{"id":2}]`, "6"), "page 2")
	if err == nil || !strings.Contains(err.Error(), `header "X-WP-Total" was 5 and is 6 at page 2`) {
		t.Fatalf("err = %v, want the header's change named", err)
	}
	rt.reset()
	_ = rt.check("page_number", page(`{"total":5,"items":[]}`, "9"), "page 1")
	if rt.path != "total" || rt.header != "" {
		t.Fatalf("total read from %q / %q, want the body's", rt.path, rt.header)
	}
}
