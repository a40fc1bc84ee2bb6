package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// offsetAPI serves records 0..total-1 by offset and limit, declaring
// total; emptyFrom, when above 0, makes pages from that offset on empty.
type offsetAPI struct {
	total, emptyFrom int
	gate             int // hold requests until this many are in flight at once
	inflight, most   atomic.Int32
	once             sync.Once
	reached          chan struct{}
}

func (a *offsetAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cur := a.inflight.Add(1)
	defer a.inflight.Add(-1)
	for {
		m := a.most.Load()
		if cur <= m || a.most.CompareAndSwap(m, cur) {
			break
		}
	}
	off, lim := atoi(r.URL.Query().Get("offset"), 0), atoi(r.URL.Query().Get("limit"), 0)
	if a.gate > 0 && off > 0 {
		if int(cur) >= a.gate {
			a.once.Do(func() { close(a.reached) })
		}
		select { // the first wave waits for its peers; a timeout fails the test below
		case <-a.reached:
		case <-time.After(5 * time.Second):
		}
	}
	var items []string
	for i := off; i < min(off+lim, a.total); i++ {
		if a.emptyFrom > 0 && off >= a.emptyFrom {
			break
		}
		items = append(items, fmt.Sprintf(`{"id":%d}`, i))
	}
	fmt.Fprintf(w, `{"total":%d,"items":[%s]}`, a.total, strings.Join(items, ","))
}

type walked struct {
	numbers []int
	urls    []string
	records []string
	err     string
}

func walkAll(t *testing.T, c *Client, url string, p PaginatorConfig) walked {
	t.Helper()
	pg, err := NewPaginator(p, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var w walked
	for page, err := range c.Pages(context.Background(), get(t, url), pg, NewSelector("items", nil), Call{}) {
		if err != nil {
			w.err = strings.ReplaceAll(err.Error(), url, "http://api.test")
			break
		}
		w.numbers = append(w.numbers, page.Number)
		w.urls = append(w.urls, page.Request.URL.RawQuery)
		for _, r := range page.Records {
			w.records = append(w.records, r.Raw)
		}
	}
	return w
}

func TestParallelPagesEqualSequential(t *testing.T) {
	tests := []struct {
		name      string
		total     int
		emptyFrom int
		pages     int
		err       string
	}{
		{name: "ten full pages", total: 40, pages: 10},
		{name: "short last page", total: 38, pages: 10},
		// 3 full pages then an empty one, while the total says 40: an error
		// in place of the empty page, not a silent end.
		{name: "API ends early", total: 40, emptyFrom: 12, pages: 3,
			err: `page 4: GET http://api.test?limit=4&offset=12: offset: the page at offset 12 held no records, but total_path "total" is 40: more pages than the paginator follows (the API's total and its pages disagree)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seqAPI := &offsetAPI{total: tt.total, emptyFrom: tt.emptyFrom}
			parAPI := &offsetAPI{total: tt.total, emptyFrom: tt.emptyFrom, reached: make(chan struct{})}
			if tt.emptyFrom == 0 {
				parAPI.gate = 4 // pages 2..5 must be in flight together
			}
			seqSrv, parSrv := serve(t, seqAPI.ServeHTTP), serve(t, parAPI.ServeHTTP)
			c, _ := newTestClient(t, Options{})
			p := pcfg("offset", func(c *PaginatorConfig) { c.Limit = 4; c.TotalPath = "total" })
			seq := walkAll(t, c, seqSrv.URL, p)
			p.Parallel = 4
			par := walkAll(t, c, parSrv.URL, p)
			if fmt.Sprint(seq) != fmt.Sprint(par) {
				t.Errorf("parallel walk differs:\n seq %v\n par %v", seq, par)
			}
			if seq.err != tt.err {
				t.Errorf("err = %q, want %q", seq.err, tt.err)
			}
			if len(seq.numbers) != tt.pages {
				t.Errorf("pages = %d, want %d", len(seq.numbers), tt.pages)
			}
			if seqAPI.most.Load() != 1 {
				t.Errorf("sequential walk had %d requests in flight", seqAPI.most.Load())
			}
			if parAPI.gate > 0 && parAPI.most.Load() != 4 {
				t.Errorf("parallel walk had at most %d requests in flight, want 4", parAPI.most.Load())
			}
		})
	}
}

func TestPagesPrefetchesNextPage(t *testing.T) {
	second := make(chan struct{})
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 2 {
			close(second)
		}
		p := atoi(r.URL.Query().Get("p"), 0)
		fmt.Fprintf(w, `{"data":[%d],"next":"/?p=%d"}`, p, p+1)
	})
	c, _ := newTestClient(t, Options{})
	pg, _ := NewPaginator(pcfg("json_link"), nil, nil)
	for page, err := range c.Pages(context.Background(), get(t, srv.URL), pg, nil, Call{}) {
		if err != nil {
			t.Fatal(err)
		}
		// While we hold page 1, page 2 is requested.
		select {
		case <-second:
		case <-time.After(5 * time.Second):
			t.Fatal("page 2 was not prefetched")
		}
		if page.Number != 1 {
			t.Fatalf("page %d", page.Number)
		}
		break // the consumer stops: no error, no more requests
	}
	if got := n.Load(); got != 2 {
		t.Errorf("requests = %d, want 2", got)
	}
}

func TestPagesEndings(t *testing.T) {
	handler := func(w http.ResponseWriter, r *http.Request) {
		p := atoi(r.URL.Query().Get("p"), 0)
		switch {
		case p == 0 && r.URL.Query().Get("mode") == "ignore-first", p == 1 && r.URL.Query().Get("mode") == "ignore":
			w.WriteHeader(404)
			io.WriteString(w, `{"errors":[{"detail":"project gone"}]}`)
		case p == 2 && r.URL.Query().Get("mode") == "fail":
			w.WriteHeader(400)
			io.WriteString(w, `{"errors":[{"detail":"bad cursor"}]}`)
		case r.URL.Query().Get("mode") == "html":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><body>Login</body></html>")
		default:
			fmt.Fprintf(w, `{"data":[%d],"next":"/items?mode=%s&p=%d"}`, p, r.URL.Query().Get("mode"), p+1)
		}
	}
	srv := serve(t, handler)
	tests := []struct {
		mode  string
		pages int
		err   string
	}{
		{mode: "ignore-first", pages: 0}, // a child resource gone: no data, exit 0
		// Page 1 led to page 2: an ignored page 2 would end the walk short.
		{mode: "ignore", pages: 1, err: `resource "items": page 2: GET http://api.test/items?mode=ignore&p=1: 404: response ignored by response_actions: the page before it led here, so the walk cannot end quietly on it: more pages than the paginator follows (narrow the response_actions condition to the responses that mean no data)`},
		{mode: "fail", pages: 2, err: `resource "items": page 3: GET http://api.test/items?mode=fail&p=2: 400 Bad Request: {"errors":[{"detail":"bad cursor"}]}`},
		{mode: "html", pages: 0, err: `resource "items": page 1: GET http://api.test/items?mode=html: response body is not JSON (status 200, Content-Type "text/html", starts "<html><body>Login</body></html>"; a response_action can ignore it)`},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			c, _ := newTestClient(t, Options{})
			pg, _ := NewPaginator(pcfg("json_link"), nil, nil)
			call := Call{Resource: "items", Actions: []ResponseAction{{StatusCode: 404, Action: "ignore"}}}
			pages, errs := 0, []error{}
			for _, err := range c.Pages(context.Background(), get(t, srv.URL+"/items?mode="+tt.mode), pg, NewSelector("data", nil), call) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				pages++
			}
			if pages != tt.pages {
				t.Errorf("pages = %d, want %d", pages, tt.pages)
			}
			switch {
			case tt.err == "" && len(errs) > 0:
				t.Errorf("errors %v, want none", errs)
			case tt.err != "" && (len(errs) != 1 || strings.ReplaceAll(errs[0].Error(), srv.URL, "http://api.test") != tt.err):
				t.Errorf("errors %v\nwant %s", errs, tt.err)
			}
			for _, err := range errs {
				if errors.Is(err, ErrIgnored) {
					t.Errorf("ErrIgnored yielded: %v", err)
				}
			}
		})
	}
}

// TestPagesRetryWithinChain: a 429 on page 2 is waited out and the walk
// goes on with every record, once each.
func TestPagesRetryWithinChain(t *testing.T) {
	var throttled atomic.Bool
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		p := atoi(r.URL.Query().Get("cursor"), 0)
		if p == 1 && !throttled.Swap(true) {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
			return
		}
		next := "null"
		if p < 2 {
			next = fmt.Sprintf(`"%d"`, p+1)
		}
		fmt.Fprintf(w, `{"data":[{"id":%d}],"cursors":{"next":%s}}`, p, next)
	})
	c, sl := newTestClient(t, Options{})
	pg, _ := NewPaginator(pcfg("cursor"), nil, nil)
	var ids []int64
	for page, err := range c.Pages(context.Background(), get(t, srv.URL), pg, nil, Call{}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Records {
			ids = append(ids, r.Get("id").Int())
		}
	}
	if fmt.Sprint(ids) != "[0 1 2]" || fmt.Sprint(sl.waits()) != "[2s]" {
		t.Errorf("ids %v, waits %v", ids, sl.waits())
	}
}

// TestParallelWalkRefusesToSkip: a page shorter than limit in the middle
// of a parallel walk moves the sequential walk's next offset; the pages
// fetched ahead would skip records, so the walk fails instead.
func TestParallelWalkRefusesToSkip(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		off, lim := atoi(r.URL.Query().Get("offset"), 0), atoi(r.URL.Query().Get("limit"), 0)
		if off == 8 {
			lim = 2 // a capped page
		}
		var items []string
		for i := off; i < min(off+lim, 20); i++ {
			items = append(items, fmt.Sprintf(`{"id":%d}`, i))
		}
		fmt.Fprintf(w, `{"total":20,"items":[%s]}`, strings.Join(items, ","))
	})
	c, _ := newTestClient(t, Options{})
	p := pcfg("offset", func(c *PaginatorConfig) { c.Limit, c.TotalPath = 4, "total" })
	if seq := walkAll(t, c, srv.URL, p); seq.err != "" || len(seq.records) != 20 {
		t.Errorf("sequential: %d records, err %q; want all 20", len(seq.records), seq.err)
	}
	p.Parallel = 3
	par := walkAll(t, c, srv.URL, p)
	want := "page 3: GET http://api.test?limit=4&offset=8: paginator: the next page is GET http://api.test?limit=4&offset=10, not the GET http://api.test?limit=4&offset=12 fetched ahead (set parallel: 1)"
	if par.err != want {
		t.Errorf("parallel err = %q\nwant %q", par.err, want)
	}
}

// TestPagesPartialAnswer: records beside a top-level error that holds
// something (GraphQL's partial data, CrowdStrike's errors beside its
// resources) fail the page, unless a response_actions rule says load;
// records under "errors" themselves, or beside an empty errors list, are
// a page like any other.
func TestPagesPartialAnswer(t *testing.T) {
	bodies := map[string]string{
		"partial": `{"data":{"issues":{"nodes":[{"id":"a"},{"id":"b"}]}},"errors":[{"message":"field 'estimate' not authorized","path":["issues","nodes",1,"estimate"]}]}`,
		"empty":   `{"data":{"issues":{"nodes":[{"id":"a"}]}},"errors":[]}`,
		"own":     `{"errors":[{"id":"e1"},{"id":"e2"}],"meta":{"total":2}}`,
	}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, bodies[r.URL.Query().Get("b")]) })
	for _, tt := range []struct {
		body, path string
		actions    []ResponseAction
		records    int
		err        error
	}{
		{"partial", "data.issues.nodes", nil, 0, ErrPartial},
		{"partial", "data.issues.nodes", []ResponseAction{{Condition: "errors", Action: ActionLoad}}, 2, nil},
		{"empty", "data.issues.nodes", nil, 1, nil},
		{"own", "errors", nil, 2, nil},
	} {
		c, _ := newTestClient(t, Options{})
		pg, _ := NewPaginator(pcfg(KindSinglePage), nil, nil)
		var records int
		var err error
		for page, e := range c.Pages(context.Background(), get(t, srv.URL+"/graphql?b="+tt.body), pg, NewSelector(tt.path, nil), Call{Resource: "issues", Actions: tt.actions}) {
			if e != nil {
				err = e
				continue
			}
			records += len(page.Records)
		}
		if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) || records != tt.records {
			t.Errorf("%s with %v: %d records, err %v; want %d, %v", tt.body, tt.actions, records, err, tt.records, tt.err)
		}
		if tt.err != nil && (err == nil || !strings.Contains(err.Error(), `response_actions {condition: "errors", action: load}`)) {
			t.Errorf("err = %v, want it to name the load rule", err)
		}
	}
}
