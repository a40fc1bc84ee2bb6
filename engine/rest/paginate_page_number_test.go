package rest

import (
	"errors"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestPageNumberTotalMustHold: a total number of pages that changes
// between pages (records added or removed while the walk paged, so every
// later page holds other records) wraps ErrShifted, on the last page too.
func TestPageNumberTotalMustHold(t *testing.T) {
	tests := []struct {
		name  string
		pages []string
		err   error
		msg   string
	}{
		{"steady", []string{`{"more":true,"pages":2}`, `{"more":false,"pages":2}`}, nil, ""},
		{"shrinks", []string{`{"more":true,"pages":3}`, `{"more":true,"pages":2}`}, ErrShifted, `total_path "pages" was 3 pages and is 2 at page 2`},
		{"grows on the last page", []string{`{"more":true,"pages":2}`, `{"more":false,"pages":3}`}, ErrShifted, `was 2 pages and is 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := NewPaginator(pcfg("page_number", func(c *PaginatorConfig) { c.BasePage = 1; c.Page = 1; c.HasMorePath = "more"; c.TotalPath = "pages" }), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/items")
			pg.Init(req)
			more := true
			for i := 0; more && i < len(tt.pages); i++ {
				more, err = pg.Next(req, &Response{Body: []byte(tt.pages[i])}, pageRecs(i, 2))
			}
			if tt.err == nil && err != nil || tt.err != nil && (!errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.msg)) {
				t.Errorf("err = %v, want %v %q", err, tt.err, tt.msg)
			}
		})
	}
}

// TestPageNumberStopsOnlyWhenDone walks pages of two records from page 1:
// maximum_page ends the walk quietly only when the response shows nothing
// past it; has_more true, a total of pages past it or a total of records
// above those read (SonarQube's paging.total at its 10,000 cap) wrap
// ErrMorePages. An empty last page of the total means the API counts
// from another base_page; an empty page whose total equals the records
// read means total_path counts records.
func TestPageNumberStopsOnlyWhenDone(t *testing.T) {
	tests := []struct {
		name  string
		cfg   func(*PaginatorConfig)
		pages []string
		recs  []int
		err   error
		msg   string
	}{
		{"maximum, nothing more", func(c *PaginatorConfig) { c.MaximumPage = 3 }, []string{`{}`, `{}`}, []int{2, 2}, nil, ""},
		{"maximum, records total reached", func(c *PaginatorConfig) { c.MaximumPage = 3 }, []string{`{"paging":{"total":4}}`, `{"paging":{"total":4}}`}, []int{2, 2}, nil, ""},
		{"maximum below the records total", func(c *PaginatorConfig) { c.MaximumPage = 3 }, []string{`{"paging":{"total":5}}`, `{"paging":{"total":5}}`}, []int{2, 2}, ErrMorePages, `maximum_page 3 reached after page 2, but body "paging.total" is 5 and 4 records were read`},
		{"maximum with has_more", func(c *PaginatorConfig) { c.MaximumPage = 3; c.HasMorePath = "more" }, []string{`{"more":true}`, `{"more":true}`}, []int{2, 2}, ErrMorePages, `maximum_page 3 reached after page 2, but has_more_path "more" is true`},
		{"maximum with has_more false", func(c *PaginatorConfig) { c.MaximumPage = 3; c.HasMorePath = "more" }, []string{`{"more":true}`, `{"more":false}`}, []int{2, 2}, nil, ""},
		{"maximum below the pages total", func(c *PaginatorConfig) { c.MaximumPage = 3; c.TotalPath = "pages" }, []string{`{"pages":4}`, `{"pages":4}`}, []int{2, 2}, ErrMorePages, `maximum_page 3 reached after page 2, but total_path "pages" is 4 pages`},
		{"maximum at the pages total", func(c *PaginatorConfig) { c.MaximumPage = 3; c.TotalPath = "pages" }, []string{`{"pages":2}`, `{"pages":2}`}, []int{2, 2}, nil, ""},
		{"last page of the total empty", func(c *PaginatorConfig) { c.TotalPath = "pages" }, []string{`{"pages":2}`, `{"pages":2}`}, []int{2, 0}, ErrMorePages, `page 2, the last of total_path "pages"'s 2 pages counted from base_page 1, held no records: more pages than the paginator follows (if the API's first page is 0, set base_page: 0)`},
		{"only page of the total empty", func(c *PaginatorConfig) { c.TotalPath = "pages" }, []string{`{"pages":1,"results":0}`}, []int{0}, nil, ""},
		{"only page of the total empty, records total above", func(c *PaginatorConfig) { c.TotalPath = "pages" }, []string{`{"pages":1,"total_elements":3}`}, []int{0}, ErrMorePages, `page 1, the last of total_path "pages", held no records, but body "total_elements" is 3 and 0 records were read`},
		{"no pages", func(c *PaginatorConfig) { c.TotalPath = "pages" }, []string{`{"pages":0}`}, []int{0}, nil, ""},
		{"total of records", func(c *PaginatorConfig) { c.TotalPath = "total" }, []string{`{"total":4}`, `{"total":4}`, `{"total":4}`}, []int{2, 2, 0}, ErrMorePages, `page 3 held no records, but total_path "total" is 4 pages: more pages than the paginator follows (4 records were read, as many as the total: total_path of page_number counts pages`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := NewPaginator(pcfg("page_number", func(c *PaginatorConfig) { c.BasePage = 1; c.Page = 1; tt.cfg(c) }), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/items")
			pg.Init(req)
			more, i := true, 0
			for ; more && i < len(tt.pages); i++ {
				more, err = pg.Next(req, &Response{Body: []byte(tt.pages[i])}, pageRecs(i, tt.recs[i]))
			}
			if more || i != len(tt.pages) {
				t.Errorf("walk stopped after %d of %d pages (more %v)", i, len(tt.pages), more)
			}
			if tt.err == nil && err != nil || tt.err != nil && (!errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.msg)) {
				t.Errorf("err = %v, want %v %q", err, tt.err, tt.msg)
			}
		})
	}
}

// TestPageNumberFollowsTotalOfRecords: a total of records the spec does
// not name (meta.total) that changes between pages fails the walk as
// shifted; one that stays, or a body without one, pages on.
func TestPageNumberFollowsTotalOfRecords(t *testing.T) {
	for _, tt := range []struct {
		second string
		err    error
	}{
		{`{"data":[{"id":3},{"id":4}],"meta":{"total":6}}`, nil},
		{`{"data":[{"id":4},{"id":5}],"meta":{"total":5}}`, ErrShifted},
	} {
		pg, err := NewPaginator(pcfg(KindPageNumber), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := get(t, "https://a.test/items")
		pg.Init(req)
		first := `{"data":[{"id":1},{"id":2}],"meta":{"total":6}}`
		if more, err := pg.Next(req, &Response{Body: []byte(first)}, gjson.Get(first, "data").Array()); !more || err != nil {
			t.Fatalf("page 1: more %v, err %v", more, err)
		}
		more, err := pg.Next(req, &Response{Body: []byte(tt.second)}, gjson.Get(tt.second, "data").Array())
		if !errors.Is(err, tt.err) || (tt.err == nil && !more) {
			t.Errorf("%s: more %v, err %v; want err %v", tt.second, more, err, tt.err)
		}
	}
}
