package rest

import "testing"

func TestKeepsTotal(t *testing.T) {
	withTotal, pagesOnly, none := []byte(`{"total":7,"items":[]}`), []byte(`{"total_pages":3,"items":[]}`), []byte(`{"items":[]}`)
	cases := []struct {
		kind, totalPath string
		body            []byte
		want            bool
	}{
		{KindOffset, "total", none, true},
		{KindOffset, "", withTotal, true},
		{KindOffset, "", none, false},
		{KindPageNumber, "total_pages", pagesOnly, false}, // pages: a record created may leave them as they were
		{KindPageNumber, "", withTotal, true},
		{KindJSONLink, "count", none, true},
		{KindJSONResponse, "count", none, true},
		{KindJSONLink, "", withTotal, false},
		{KindHeaderLink, "", withTotal, false},
		{KindCursor, "", withTotal, false},
	}
	for _, c := range cases {
		if got := KeepsTotal(c.kind, c.totalPath, c.body); got != c.want {
			t.Errorf("KeepsTotal(%s, %q, %s) = %v, want %v", c.kind, c.totalPath, c.body, got, c.want)
		}
	}
}
