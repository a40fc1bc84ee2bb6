package engine

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
)

func TestProgressLine(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name  string
		s     ResourceStats
		now   time.Time
		final bool
		want  string
	}{
		{"queued", ResourceStats{}, t0, false,
			"r: queued 0s, 0 pages, 0 records, 0 rows (0 rows/s), 0 requests"},
		{"running with a total", ResourceStats{Chains: 1, Pages: 4, Records: 400, Rows: 800, Requests: 5, Retries: 1, Errors: 1, ExpectedPages: 10, Started: t0}, t0.Add(8 * time.Second), false,
			"r: running 8s, 4 pages, 400 records, 800 rows (100 rows/s), 5 requests, 1 retry, 1 error, page 4 of 10, ETA 12s"},
		{"waiting now", ResourceStats{Chains: 2, Pages: 1, Requests: 3, Retries: 2, Errors: 2, RateWait: time.Second, waiting: 2, waitSince: t0.Add(2 * time.Second), Started: t0}, t0.Add(3500 * time.Millisecond), false,
			"r: waiting for rate limit 3.5s, 1 pages, 0 records, 0 rows (0 rows/s), 3 requests, 2 retries, 2 errors, 2.5s waiting for rate limit"},
		{"done: no ETA, its own duration", ResourceStats{Chains: 1, Pages: 4, Rows: 10, Requests: 4, ExpectedPages: 10, Started: t0, Finished: t0.Add(2 * time.Second), Done: true}, t0.Add(time.Minute), false,
			"r: done 2s, 4 pages, 0 records, 10 rows (5 rows/s), 4 requests"},
		{"a child's chains all known", ResourceStats{Chains: 4, Pages: 3, Requests: 3, Submitted: 4, Ended: 3, AllSubmitted: true, Started: t0}, t0.Add(6 * time.Second), false,
			"r: running 6s, 3 pages, 0 records, 0 rows (0 rows/s), 3 requests, 3 of 4 request chains done, ETA 2s"},
		{"a child whose parent still runs: no ETA", ResourceStats{Chains: 4, Pages: 3, Requests: 3, Submitted: 4, Ended: 3, Started: t0}, t0.Add(6 * time.Second), false,
			"r: running 6s, 3 pages, 0 records, 0 rows (0 rows/s), 3 requests"},
		{"stopped", ResourceStats{Chains: 1, Pages: 4, Requests: 5, ExpectedPages: 10, Started: t0}, t0.Add(90 * time.Second), true,
			"r: stopped 1m30s, 4 pages, 0 records, 0 rows (0 rows/s), 5 requests"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := progressLine("r", &c.s, c.now, c.final); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestProgressRedrawsInPlace: on a terminal every redraw moves the
// cursor back over the lines drawn before and clears each line it
// rewrites; plain output only appends lines of resources that moved.
func TestProgressRedrawsInPlace(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	stats := map[string]*ResourceStats{"a": {Started: t0}, "b": {}}
	var mu sync.Mutex
	var buf bytes.Buffer

	p := &progress{mu: &mu, redraw: true, last: map[string]ResourceStats{}, shown: map[string]bool{}}
	p.print(&buf, stats, t0, t0.Add(time.Second), false)
	first := buf.String()
	if strings.Contains(first, "\x1b[3A") || strings.Count(first, "\x1b[2K") != 3 {
		t.Errorf("first draw: %q, want 3 cleared lines and no cursor move", first)
	}
	buf.Reset()
	stats["a"].Pages, stats["a"].Requests = 1, 1
	p.print(&buf, stats, t0, t0.Add(2*time.Second), false)
	if got := buf.String(); !strings.HasPrefix(got, "\x1b[3A\x1b[2Kpipe: 2s elapsed\n\x1b[2Ka: running 2s, 1 pages") {
		t.Errorf("redraw: %q, want the cursor moved up 3 lines and each line cleared", got)
	}

	buf.Reset()
	plain := &progress{mu: &mu, last: map[string]ResourceStats{}, shown: map[string]bool{}}
	plain.print(&buf, stats, t0, t0.Add(2*time.Second), false)
	plain.print(&buf, stats, t0, t0.Add(4*time.Second), false)
	if got := buf.String(); strings.Contains(got, "\x1b") || strings.Count(got, "\n") != 1 || !strings.HasPrefix(got, "a: running 2s") {
		t.Errorf("plain: %q, want one line for a (b has not started, a did not move)", got)
	}
}

func TestExpectedPages(t *testing.T) {
	page := func(body string) *rest.Page { return &rest.Page{Response: &rest.Response{Body: []byte(body)}} }
	cases := []struct {
		name string
		p    rest.PaginatorConfig
		body string
		want int64
	}{
		{"offset: records over the limit", rest.PaginatorConfig{Type: "offset", Limit: 20, TotalPath: "total"}, `{"total":101}`, 6},
		{"offset from a start offset", rest.PaginatorConfig{Type: "offset", Limit: 20, Offset: 40, TotalPath: "meta.total"}, `{"meta":{"total":100}}`, 3},
		{"page_number: pages", rest.PaginatorConfig{Type: "page_number", TotalPath: "pages"}, `{"pages":7}`, 7},
		{"no total_path", rest.PaginatorConfig{Type: "offset", Limit: 20}, `{"total":101}`, 0},
		{"total missing", rest.PaginatorConfig{Type: "offset", Limit: 20, TotalPath: "total"}, `{}`, 0},
		{"total not a number", rest.PaginatorConfig{Type: "page_number", TotalPath: "pages"}, `{"pages":"7"}`, 0},
		{"other kinds", rest.PaginatorConfig{Type: "cursor", TotalPath: "total"}, `{"total":9}`, 0},
		{"auto", rest.PaginatorConfig{Type: "auto"}, `{"total":9}`, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := expectedPages(&plan.Resource{Paginator: c.p}, page(c.body)); got != c.want {
				t.Errorf("expected pages = %d, want %d", got, c.want)
			}
		})
	}
}
