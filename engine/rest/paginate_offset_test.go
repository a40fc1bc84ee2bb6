package rest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestOffsetTotalMustHold walks PagerDuty-shaped pages ({"more", "total"},
// limit 3) with has_more_path and total_path: a total that changes
// between pages means offsets shifted under the walk (ErrShifted, on the
// last page too); more: false below the total, and more: true on an empty
// page past it, are ErrMorePages; more: true at the total asks one more
// page.
func TestOffsetTotalMustHold(t *testing.T) {
	tests := []struct {
		name   string
		pages  []string // bodies, each holding the given number of records
		counts []int
		err    error
		msg    string
		reqs   int // Next calls that returned more
	}{
		{"steady", []string{`{"more":true,"total":5}`, `{"more":false,"total":5}`}, []int{3, 2}, nil, "", 1},
		{"shrinks", []string{`{"more":true,"total":8}`, `{"more":true,"total":6}`}, []int{3, 3}, ErrShifted, `total_path "total" was 8 and is 6 at offset 3`, 1},
		{"shrinks on the last page", []string{`{"more":true,"total":8}`, `{"more":false,"total":6}`}, []int{3, 3}, ErrShifted, `was 8 and is 6`, 1},
		{"grows", []string{`{"more":true,"total":8}`, `{"more":true,"total":9}`}, []int{3, 3}, ErrShifted, `was 8 and is 9`, 1},
		{"more at the total, then the end", []string{`{"more":true,"total":3}`, `{"more":false,"total":3}`}, []int{3, 0}, nil, "", 1},
		{"no more below the total", []string{`{"more":true,"total":8}`, `{"more":false,"total":8}`}, []int{3, 3}, ErrMorePages, `has_more_path "more" is false at offset 3, but total_path "total" is 8 and 6 records were read`, 1},
		{"more at the total, forever", []string{`{"more":true,"total":3}`, `{"more":true,"total":3}`}, []int{3, 0}, ErrMorePages, `held no records past total_path "total" (3), but has_more_path "more" is true`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := NewPaginator(pcfg("offset", func(c *PaginatorConfig) { c.Limit = 3; c.HasMorePath = "more"; c.TotalPath = "total" }), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/incidents")
			pg.Init(req)
			more, n := true, 0
			for i := 0; more && i < len(tt.pages); i++ {
				more, err = pg.Next(req, &Response{Body: []byte(tt.pages[i])}, pageRecs(i, tt.counts[i]))
				if more {
					n++
				}
			}
			if tt.err == nil && err != nil || tt.err != nil && (!errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.msg)) {
				t.Errorf("err = %v, want %v %q", err, tt.err, tt.msg)
			}
			if n != tt.reqs {
				t.Errorf("pages followed = %d, want %d", n, tt.reqs)
			}
		})
	}
}

// TestOffsetNullTotalNamesTheFix: PagerDuty's "total": null (sent unless
// total=true is asked for) fails naming the parameter and total_path.
func TestOffsetNullTotalNamesTheFix(t *testing.T) {
	pg, _ := NewPaginator(pcfg("offset", func(c *PaginatorConfig) { c.Limit = 3; c.TotalPath = "total" }), nil, nil)
	req := get(t, "https://api.test/incidents")
	pg.Init(req)
	_, err := pg.Next(req, &Response{Body: []byte(`{"incidents":[1,2,3],"more":true,"total":null}`)}, recs(3))
	if err == nil || !strings.Contains(err.Error(), `offset: total_path "total" is null (`) || !strings.Contains(err.Error(), "drop total_path") {
		t.Errorf("err = %v", err)
	}
}

// TestOffsetMaximumOnlyWhenDone: maximum_offset ends a walk (limit 3)
// quietly only when the response shows nothing past it; has_more true, a
// total above the records read, or, without a total, a full page (which
// the walk would follow without the cap) wrap ErrMorePages.
func TestOffsetMaximumOnlyWhenDone(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*PaginatorConfig)
		body string
		err  error
		msg  string
	}{
		{"a full page, no total", func(*PaginatorConfig) {}, `{}`, ErrMorePages, "the page at offset 3 was full (3 records, limit 3) and the API shows no total"},
		{"total reached", func(c *PaginatorConfig) { c.TotalPath = "total" }, `{"total":6}`, nil, ""},
		{"total above", func(c *PaginatorConfig) { c.TotalPath = "total" }, `{"total":7}`, ErrMorePages, `maximum_offset 6 reached at offset 6, but total_path "total" is 7 and 6 records were read`},
		{"has_more", func(c *PaginatorConfig) { c.HasMorePath = "more" }, `{"more":true}`, ErrMorePages, `but has_more_path "more" is true`},
		{"unread total one level down", func(*PaginatorConfig) {}, `{"meta":{"total":9}}`, ErrMorePages, `body "meta.total" is 9 and 6 records were read`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := NewPaginator(pcfg("offset", func(c *PaginatorConfig) { c.Limit = 3; c.MaximumOffset = 6; tt.cfg(c) }), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/items")
			pg.Init(req)
			more, err := pg.Next(req, &Response{Body: []byte(tt.body)}, pageRecs(0, 3))
			if !more || err != nil {
				t.Fatalf("page 1: more %v, err %v", more, err)
			}
			more, err = pg.Next(req, &Response{Body: []byte(tt.body)}, pageRecs(1, 3))
			if more {
				t.Errorf("the walk went past maximum_offset")
			}
			if tt.err == nil && err != nil || tt.err != nil && (!errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.msg)) {
				t.Errorf("err = %v, want %v %q", err, tt.err, tt.msg)
			}
		})
	}
}

// pageRecs returns n records whose ids are those of page p (0 for the
// first page): pages of distinct records, as an API that reads the
// paging parameter sends them.
func pageRecs(p, n int) []gjson.Result {
	out := make([]gjson.Result, n)
	for i := range out {
		out[i] = gjson.Parse(fmt.Sprintf(`{"id":%d}`, p*1000+i+1))
	}
	return out
}

// TestPagingParamIgnored: an API that ignores the offset or page
// parameter sends the records of page 1 again, in bodies that may differ
// (a request id); the second page fails with ErrLoop naming the
// parameter, instead of loading the same records once per page. Pages of
// other records, and empty pages, go on.
func TestPagingParamIgnored(t *testing.T) {
	tests := []struct {
		name   string
		cfg    PaginatorConfig
		second []gjson.Result
		msg    string
	}{
		{"offset ignored", pcfg("offset", func(c *PaginatorConfig) { c.Limit = 3; c.TotalPath = "total"; c.OffsetParam = "skip" }), recs(3), `offset: the page at offset 3 holds the same 3 records as the page before it: pagination loop (the API ignores offset_param "skip"`},
		{"offset body path ignored", pcfg("offset", func(c *PaginatorConfig) {
			c.Limit = 3
			c.TotalPath = "total"
			c.OffsetBodyPath = "startAt"
			c.LimitBodyPath = "max"
		}), recs(3), `offset_body_path "startAt"`},
		{"offset read", pcfg("offset", func(c *PaginatorConfig) { c.Limit = 3; c.TotalPath = "total" }), pageRecs(1, 3), ""},
		{"page ignored", pcfg("page_number", func(c *PaginatorConfig) { c.TotalPath = "pages"; c.PageParam = "pg" }), recs(3), `page_number: page 1 holds the same 3 records as the page before it: pagination loop (the API ignores page_param "pg", or reads page 0 as page 1`},
		{"page read", pcfg("page_number", func(c *PaginatorConfig) { c.TotalPath = "pages" }), pageRecs(1, 3), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := NewPaginator(tt.cfg, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/items")
			if tt.cfg.OffsetBodyPath != "" {
				req.Method, req.JSON = "POST", map[string]any{}
			}
			if err := pg.Init(req); err != nil {
				t.Fatal(err)
			}
			body := &Response{Body: []byte(`{"total":9,"pages":3,"trace_id":"a"}`)}
			if more, err := pg.Next(req, body, recs(3)); !more || err != nil {
				t.Fatalf("page 1: more %v, err %v", more, err)
			}
			body = &Response{Body: []byte(`{"total":9,"pages":3,"trace_id":"b"}`)}
			more, err := pg.Next(req, body, tt.second)
			if tt.msg == "" {
				if !more || err != nil {
					t.Errorf("page 2: more %v, err %v; want more", more, err)
				}
				return
			}
			if more || !errors.Is(err, ErrLoop) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("page 2: more %v, err %v; want ErrLoop %q", more, err, tt.msg)
			}
		})
	}
}

// TestNegativeTotalFails: a total of -1 (an API's "not counted") would
// end an offset walk after page 1 and a page_number walk at once; both
// fail naming total_path.
func TestNegativeTotalFails(t *testing.T) {
	for _, kind := range []string{"offset", "page_number"} {
		pg, err := NewPaginator(pcfg(kind, func(c *PaginatorConfig) { c.Limit = 3; c.TotalPath = "total" }), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := get(t, "https://api.test/items")
		pg.Init(req)
		more, err := pg.Next(req, &Response{Body: []byte(`{"total":-1}`)}, recs(3))
		if more || err == nil || !strings.Contains(err.Error(), `total_path "total" is -1, want a count of 0 or more`) || !strings.Contains(err.Error(), "drop total_path") {
			t.Errorf("%s: more %v, err %v", kind, more, err)
		}
	}
}

// TestOffsetTotalIsUpperBound walks Box-shaped pages (limit 100, a
// total_count that counts entries the user cannot see): with
// total_is_upper_bound, offsets step by limit through short and empty
// pages and the walk ends once the next offset reaches the total; without
// it, the same pages fail the run as a total the pages disagree with.
func TestOffsetTotalIsUpperBound(t *testing.T) {
	pages := []string{`{"total_count":250}`, `{"total_count":250}`, `{"total_count":250}`}
	counts := []int{97, 0, 40}
	for _, bound := range []bool{true, false} {
		pg, err := NewPaginator(pcfg("offset", func(c *PaginatorConfig) {
			c.Limit, c.TotalPath, c.TotalIsUpperBound = 100, "total_count", bound
		}), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := get(t, "https://api.test/groups")
		pg.Init(req)
		var offsets []string
		more := true
		for i := 0; more && i < len(pages); i++ {
			offsets = append(offsets, req.URL.Query().Get("offset"))
			if more, err = pg.Next(req, &Response{Body: []byte(pages[i])}, pageRecs(i, counts[i])); err != nil {
				break
			}
		}
		switch {
		case bound && (err != nil || more || strings.Join(offsets, ",") != "0,100,200"):
			t.Errorf("upper bound: offsets %q, more %v, err %v; want 0,100,200 and the end", offsets, more, err)
		case !bound && !errors.Is(err, ErrMorePages):
			t.Errorf("a count: err %v, want the pages disagreeing with the total", err)
		}
	}
}
