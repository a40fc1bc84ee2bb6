package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tidwall/gjson"
)

// The fake API of the conformance suite holds records 1..7 served three
// to a page: [1 2 3] [4 5 6] [7]. Each kind of API marks the next page its
// own way; every paginator must read back exactly these records.
var allRecords = []int{1, 2, 3, 4, 5, 6, 7}

const pageSize = 3

func pageRecords(i int) []map[string]int {
	var out []map[string]int
	for _, id := range allRecords[min(i*pageSize, len(allRecords)):min((i+1)*pageSize, len(allRecords))] {
		out = append(out, map[string]int{"id": id})
	}
	return out
}

func lastPage() int { return (len(allRecords) - 1) / pageSize }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func atoi(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// fakeAPIs returns a handler per paginator flavour.
var fakeAPIs = map[string]func(srv func() string) http.HandlerFunc{
	// {"data": [...], "links": {"next": "/items?p=1"}}; the last page has no next.
	"json_link": func(func() string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			p := atoi(r.URL.Query().Get("p"), 0)
			body := map[string]any{"data": pageRecords(p), "links": map[string]any{"next": nil}}
			if p < lastPage() {
				body["links"] = map[string]any{"next": fmt.Sprintf("/items?p=%d", p+1)}
			}
			writeJSON(w, body)
		}
	},
	// Snyk: links relative to /rest without it, next == self on the last
	// page, and a 400 when a parameter is sent twice.
	"snyk": func(func() string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			for k, v := range q {
				if len(v) > 1 {
					w.WriteHeader(400)
					fmt.Fprintf(w, `{"errors":[{"detail":"%s sent twice"}]}`, k)
					return
				}
			}
			if !strings.HasPrefix(r.URL.Path, "/rest/") || q.Get("version") == "" {
				w.WriteHeader(404)
				return
			}
			p := 0
			if a := q.Get("starting_after"); a != "" {
				p = atoi(strings.TrimPrefix(a, "v1.c"), 0)
			}
			self := "/orgs?version=" + q.Get("version") + "&limit=" + q.Get("limit")
			if p > 0 {
				self += fmt.Sprintf("&starting_after=v1.c%d", p)
			}
			next := self
			if p < lastPage() {
				next = fmt.Sprintf("/orgs?version=%s&limit=%s&starting_after=v1.c%d", q.Get("version"), q.Get("limit"), p+1)
			}
			writeJSON(w, map[string]any{"jsonapi": map[string]any{"version": "1.0"}, "data": pageRecords(p), "links": map[string]any{"self": self, "next": next}})
		}
	},
	// A top-level array and a Link header, as GitHub does.
	"header_link": func(srv func() string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			p := atoi(r.URL.Query().Get("page"), 1)
			links := []string{fmt.Sprintf(`<%s/items?page=1>; rel="first"`, srv())}
			if p-1 < lastPage() {
				links = append(links, fmt.Sprintf(`<%s/items?page=%d>; rel="next"`, srv(), p+1))
			}
			w.Header().Set("Link", strings.Join(links, ", "))
			writeJSON(w, pageRecords(p-1))
		}
	},
	// offset/limit with a total.
	"offset": func(func() string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			off, lim := atoi(r.URL.Query().Get("offset"), 0), atoi(r.URL.Query().Get("limit"), 0)
			if lim != pageSize || off%pageSize != 0 {
				w.WriteHeader(400)
				return
			}
			writeJSON(w, map[string]any{"items": pageRecords(off / pageSize), "total": len(allRecords)})
		}
	},
	// 1-based pages with a total number of pages.
	"page_number": func(func() string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			p := atoi(r.URL.Query().Get("page"), 1)
			writeJSON(w, map[string]any{"results": pageRecords(p - 1), "total_pages": lastPage() + 1})
		}
	},
	// A cursor in the body, passed back as ?cursor=.
	"cursor": func(func() string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			p := atoi(strings.TrimPrefix(r.URL.Query().Get("cursor"), "c"), 0)
			var next any
			if p < lastPage() {
				next = fmt.Sprintf("c%d", p+1)
			}
			writeJSON(w, map[string]any{"data": pageRecords(p), "cursors": map[string]any{"next": next}})
		}
	},
	// A POST search with the cursor in the JSON body.
	"cursor_body": func(func() string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var in struct {
				Query string `json:"query"`
				Page  struct {
					After string `json:"after"`
				} `json:"page"`
			}
			if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&in) != nil || in.Query != "all" {
				w.WriteHeader(400)
				return
			}
			p := atoi(strings.TrimPrefix(in.Page.After, "c"), 0)
			meta := map[string]any{}
			if p < lastPage() {
				meta["next"] = fmt.Sprintf("c%d", p+1)
			}
			writeJSON(w, map[string]any{"hits": pageRecords(p), "meta": meta})
		}
	},
	// The cursor in a response header.
	"header_cursor": func(func() string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			p := atoi(strings.TrimPrefix(r.URL.Query().Get("cursor"), "c"), 0)
			if p < lastPage() {
				w.Header().Set("Next", fmt.Sprintf("c%d", p+1))
			}
			writeJSON(w, map[string]any{"data": pageRecords(p)})
		}
	},
	// Everything at once.
	"single": func(func() string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var all []map[string]int
			for i := 0; i <= lastPage(); i++ {
				all = append(all, pageRecords(i)...)
			}
			writeJSON(w, map[string]any{"data": all})
		}
	},
}

func intp(i int) *int    { return &i }
func boolp(b bool) *bool { return &b }

type conformanceCase struct {
	name     string
	api      string
	path     string // first request path and query
	method   string
	json     any
	selector string
	pager    PaginatorConfig // zero: auto
	base     string          // client.base_url path
	requests int32
}

var conformance = []conformanceCase{
	{name: "json_link", api: "json_link", path: "/items", pager: pcfg("json_link", func(c *PaginatorConfig) { c.NextURLPath = "links.next" }), requests: 3},
	{name: "json_link relative_to base_url (snyk)", api: "snyk", path: "/rest/orgs?version=2024-10-15&limit=10", base: "/rest/",
		pager: pcfg("json_link", func(c *PaginatorConfig) { c.NextURLPath = "links.next"; c.RelativeTo = "base_url" }), requests: 3},
	{name: "header_link", api: "header_link", path: "/items", pager: pcfg("header_link"), requests: 3},
	{name: "offset without total", api: "offset", path: "/items", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = pageSize }), requests: 3},
	{name: "offset with total", api: "offset", path: "/items", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = pageSize; c.TotalPath = "total" }), requests: 3},
	{name: "offset parallel", api: "offset", path: "/items", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = pageSize; c.TotalPath = "total"; c.Parallel = 3 }), requests: 3},
	{name: "page_number", api: "page_number", path: "/items", pager: pcfg("page_number", func(c *PaginatorConfig) { c.BasePage = 1; c.TotalPath = "total_pages" }), requests: 3},
	{name: "page_number until empty", api: "page_number", path: "/items", pager: pcfg("page_number", func(c *PaginatorConfig) { c.BasePage = 1 }), requests: 4},
	{name: "page_number parallel", api: "page_number", path: "/items", pager: pcfg("page_number", func(c *PaginatorConfig) { c.BasePage = 1; c.TotalPath = "total_pages"; c.Parallel = 2 }), requests: 3},
	{name: "cursor", api: "cursor", path: "/items", pager: pcfg("cursor"), requests: 3},
	{name: "cursor in body", api: "cursor_body", path: "/search", method: "POST", json: map[string]any{"query": "all"},
		pager: pcfg("cursor", func(c *PaginatorConfig) { c.CursorPath = "meta.next"; c.CursorBodyPath = "page.after" }), requests: 3},
	{name: "header_cursor", api: "header_cursor", path: "/items", pager: pcfg("header_cursor"), requests: 3},
	{name: "single_page", api: "single", path: "/items", pager: pcfg("single_page"), requests: 1},
	{name: "json_response (dlt's name of json_link)", api: "json_link", path: "/items", requests: 3,
		pager: pcfg("json_link", func(c *PaginatorConfig) { c.Type, c.NextURLPath = KindJSONResponse, "links.next" })},
	{name: "auto finds json_link", api: "json_link", path: "/items", requests: 3},
	{name: "auto finds header_link", api: "header_link", path: "/items", requests: 3},
	{name: "auto finds cursor", api: "cursor", path: "/items", requests: 3},
	{name: "auto finds single_page", api: "single", path: "/items", requests: 1},
}

// TestPaginatorConformance runs every paginator kind against its fake API
// and checks the records read and the requests sent.
func TestPaginatorConformance(t *testing.T) {
	for _, tt := range conformance {
		t.Run(tt.name, func(t *testing.T) {
			var srv *httptest.Server
			var n atomic.Int32
			h := fakeAPIs[tt.api](func() string { return srv.URL })
			srv = serve(t, func(w http.ResponseWriter, r *http.Request) { n.Add(1); h(w, r) })
			base := mustURL(t, srv.URL+tt.base)
			cfg := tt.pager
			if cfg.Type == "" {
				cfg = pcfg("auto")
			}
			pg, err := NewPaginator(cfg, base, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, srv.URL+tt.path)
			if tt.method != "" {
				req.Method, req.JSON = tt.method, tt.json
			}
			c, _ := newTestClient(t, Options{})
			var got []int
			pages := 0
			for page, err := range c.Pages(context.Background(), req, pg, NewSelector(tt.selector, nil), Call{Resource: tt.name}) {
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if page.Number != pages {
					t.Errorf("page number %d, want %d", page.Number, pages)
				}
				for _, r := range page.Records {
					got = append(got, int(r.Get("id").Int()))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(allRecords) {
				t.Errorf("records = %v, want %v", got, allRecords)
			}
			if n.Load() != tt.requests {
				t.Errorf("requests = %d, want %d", n.Load(), tt.requests)
			}
		})
	}
}

// loopAPI serves pages whose next marker comes back round.
func TestPaginatorLoops(t *testing.T) {
	tests := []struct {
		name    string
		pager   PaginatorConfig
		handler http.HandlerFunc
		pages   int // pages yielded before the error (the page that loops is not)
	}{
		{name: "json_link back to the first page", pager: pcfg("json_link"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				next := "/items?p=1"
				if r.URL.Query().Get("p") == "1" {
					next = "/items"
				}
				writeJSON(w, map[string]any{"data": []int{1}, "next": next})
			}, pages: 1},
		{name: "json_link cycle of two", pager: pcfg("json_link"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				p := atoi(r.URL.Query().Get("p"), 0)
				writeJSON(w, map[string]any{"data": []int{p}, "next": fmt.Sprintf("/items?p=%d", 1+(p%2))})
			}, pages: 2},
		{name: "header_link cycle", pager: pcfg("header_link"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				p := atoi(r.URL.Query().Get("p"), 0)
				w.Header().Set("Link", fmt.Sprintf(`</items?p=%d>; rel="next"`, (p+1)%2))
				writeJSON(w, []int{p})
			}, pages: 2}, // /items, ?p=1, ?p=0 (not yielded: it links to ?p=1 again)
		{name: "cursor repeats", pager: pcfg("cursor", func(c *PaginatorConfig) { c.CursorPath = "next" }),
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, map[string]any{"data": []string{r.URL.Query().Get("cursor")}, "next": "same"})
			}, pages: 1},
		{name: "header_cursor repeats", pager: pcfg("header_cursor", func(c *PaginatorConfig) { c.CursorKey = "X-Next" }),
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Next", "again")
				writeJSON(w, map[string]any{"data": []string{r.URL.Query().Get("cursor")}})
			}, pages: 1},
		{name: "offset ignored by the API", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 2 }),
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, map[string]any{"data": []int{1, 2}})
			}, pages: 1},
		{name: "page_number ignored by the API", pager: pcfg("page_number", func(c *PaginatorConfig) { c.StopAfterEmptyPage = false; c.MaximumPage = 100 }),
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, map[string]any{"data": []int{1, 2}})
			}, pages: 1},
	}
	got := map[string]string{}
	var servers []*httptest.Server
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, tt.handler)
			servers = append(servers, srv)
			pg, err := NewPaginator(tt.pager, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := newTestClient(t, Options{})
			pages := 0
			var last error
			for _, err := range c.Pages(context.Background(), get(t, srv.URL+"/items"), pg, nil, Call{Resource: "items"}) {
				if err != nil {
					last = err
					continue
				}
				pages++
			}
			if !errors.Is(last, ErrLoop) {
				t.Fatalf("err = %v, want ErrLoop", last)
			}
			if pages != tt.pages {
				t.Errorf("pages = %d, want %d", pages, tt.pages)
			}
			got[tt.name] = strings.ReplaceAll(last.Error(), srv.URL, "http://api.test")
		})
	}
	golden(t, "loops.golden", got)
}

func TestJSONLinkStops(t *testing.T) {
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"missing", `{"data":[1]}`, false},
		{"null", `{"data":[1],"next":null}`, false},
		{"empty", `{"data":[1],"next":""}`, false},
		{"self", `{"data":[1],"next":"/items?b=2&a=1"}`, false}, // same URL, other order
		{"empty page", `{"data":[],"next":"/items?p=2"}`, true}, // Graph delta: an empty page links the next
		{"href object", `{"data":[1],"next":{"href":"/items?p=2"}}`, true},
		{"absolute", `{"data":[1],"next":"https://other.test/items?p=2"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, _ := NewPaginator(pcfg("json_link"), nil, nil)
			req := get(t, "https://api.test/items?a=1&b=2")
			pg.Init(req)
			records, _ := NewSelector("data", nil).Select([]byte(tt.body))
			more, err := pg.Next(req, &Response{Body: []byte(tt.body)}, records)
			if err != nil || more != tt.want {
				t.Errorf("Next = %v, %v; want %v", more, err, tt.want)
			}
		})
	}
}

func TestResolveLinkBaseURL(t *testing.T) {
	tests := []struct{ base, link, want string }{
		{"https://api.snyk.io/rest/", "/orgs?version=x&starting_after=abc", "https://api.snyk.io/rest/orgs?version=x&starting_after=abc"},
		{"https://api.snyk.io/rest", "/orgs?version=x", "https://api.snyk.io/rest/orgs?version=x"},
		{"https://api.snyk.io/rest/", "orgs/1/packages/pkg%3Anpm%2Flodash%404.17.0/issues?offset=10", "https://api.snyk.io/rest/orgs/1/packages/pkg%3Anpm%2Flodash%404.17.0/issues?offset=10"},
		{"https://api.snyk.io/rest/", "https://other.test/x?y=1", "https://other.test/x?y=1"},
		{"https://api.snyk.io/rest/", "?page=2", "https://api.snyk.io/rest/?page=2"},
	}
	cur := mustURL(t, "https://api.snyk.io/rest/orgs?version=x&limit=10")
	for _, tt := range tests {
		u, err := resolveLink(cur, mustURL(t, tt.base), tt.link)
		if err != nil {
			t.Fatal(err)
		}
		if u.String() != tt.want {
			t.Errorf("resolve(%q, %q) = %q, want %q", tt.base, tt.link, u, tt.want)
		}
	}
}

func TestParseLinkHeader(t *testing.T) {
	h := http.Header{}
	h.Add("Link", `<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"`)
	h.Add("Link", `<https://a.test/y;v=1?q=a,b>; title="a, b; c"; rel="prev next-ish", </z?p=3>; REL=Next2`)
	tests := []struct{ rel, want string }{
		{"next", "https://api.github.com/x?page=2"},
		{"last", "https://api.github.com/x?page=5"},
		{"prev", "https://a.test/y;v=1?q=a,b"},
		{"next-ish", "https://a.test/y;v=1?q=a,b"},
		{"next2", "/z?p=3"},
		{"first", ""},
	}
	for _, tt := range tests {
		got, _ := linkRel(h, tt.rel)
		if got != tt.want {
			t.Errorf("rel %s = %q, want %q", tt.rel, got, tt.want)
		}
	}
}

func TestOffsetAndPageNumberStops(t *testing.T) {
	tests := []struct {
		name    string
		pager   PaginatorConfig
		body    string
		records int
		want    bool
		query   string // after Next, when want
		err     string
	}{
		{name: "offset full page", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10 }), body: `{}`, records: 10, want: true, query: "limit=10&offset=10"},
		{name: "offset short page", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10 }), body: `{}`, records: 9},
		{name: "offset empty page", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10 }), body: `{}`, records: 0},
		{name: "offset reaches total", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10; c.TotalPath = "meta.total" }), body: `{"meta":{"total":10}}`, records: 10},
		{name: "offset total as string", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10; c.TotalPath = "total" }), body: `{"total":"25"}`, records: 10, want: true, query: "limit=10&offset=10"},
		{name: "offset total missing", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10; c.TotalPath = "total" }), body: `{}`, records: 10, err: `offset: total_path "total" not found in the response`},
		{name: "offset total not a number", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10; c.TotalPath = "total" }), body: `{"total":"many"}`, records: 10, err: `offset: total_path "total" is string "many", want a whole number`},
		{name: "offset maximum, short page", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10; c.MaximumOffset = 10 }), body: `{}`, records: 9},
		{name: "offset maximum, full page", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10; c.MaximumOffset = 10 }), body: `{}`, records: 10, err: "maximum_offset 10 reached at offset 10, but the page at offset 0 was full"},
		{name: "offset has_more false", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10; c.HasMorePath = "has_more" }), body: `{"has_more":false}`, records: 10},
		{name: "offset has_more missing", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10; c.HasMorePath = "has_more" }), body: `{}`, records: 10, err: "not found"},
		{name: "offset custom params", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 5; c.Offset = 20; c.OffsetParam = "skip"; c.LimitParam = "size" }), body: `{}`, records: 5, want: true, query: "size=5&skip=25"},
		{name: "page_number next", pager: pcfg("page_number"), body: `{}`, records: 3, want: true, query: "page=1"},
		{name: "page_number empty", pager: pcfg("page_number"), body: `{}`, records: 0},
		{name: "page_number empty kept", pager: pcfg("page_number", func(c *PaginatorConfig) { c.StopAfterEmptyPage = false; c.MaximumPage = 5 }), body: `{}`, records: 0, want: true, query: "page=1"},
		{name: "page_number total pages", pager: pcfg("page_number", func(c *PaginatorConfig) { c.BasePage = 1; c.TotalPath = "pages" }), body: `{"pages":1}`, records: 3},
		{name: "page_number maximum", pager: pcfg("page_number", func(c *PaginatorConfig) { c.MaximumPage = 1 }), body: `{}`, records: 3},
		{name: "page_number start page", pager: pcfg("page_number", func(c *PaginatorConfig) { c.BasePage = 1; c.Page = 4; c.PageParam = "p" }), body: `{}`, records: 3, want: true, query: "p=5"},
		{name: "offset capped page with has_more goes on from the records read", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10; c.HasMorePath = "more" }), body: `{"more":true}`, records: 4, want: true, query: "limit=10&offset=4"},
		{name: "offset capped page with a total goes on from the records read", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10; c.TotalPath = "n" }), body: `{"n":9}`, records: 4, want: true, query: "limit=10&offset=4"},
		{name: "offset has_more true on an empty page", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10; c.HasMorePath = "more" }), body: `{"more":true}`, records: 0, err: `offset: the page held no records, but has_more_path "more" is true: more pages than the paginator follows`},
		{name: "offset empty page before the total", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10; c.TotalPath = "n" }), body: `{"n":9}`, records: 0, err: `offset: the page at offset 0 held no records, but total_path "n" is 9`},
		{name: "offset short page while the body says has_more", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10 }), body: `{"has_more":true}`, records: 4, err: `offset: a short page (4 records, limit 10), but body "has_more" is true`},
		{name: "offset short page and has_more false", pager: pcfg("offset", func(c *PaginatorConfig) { c.Limit = 10 }), body: `{"meta":{"has_more":false},"total":50}`, records: 4},
		{name: "page_number empty page before the total", pager: pcfg("page_number", func(c *PaginatorConfig) { c.TotalPath = "pages" }), body: `{"pages":3}`, records: 0, err: `page_number: page 0 held no records, but total_path "pages" is 3 pages`},
		{name: "page_number empty page under a total of records", pager: pcfg("page_number"), body: `{"total_count":30}`, records: 0, err: `page_number: the page held no records, but body "total_count" is 30 and 0 records were read`},
		{name: "page_number max_pages", pager: pcfg("page_number", func(c *PaginatorConfig) { c.MaxPages = 1 }), body: `{}`, records: 3, err: `page_number: max_pages reached: 1 pages requested`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := NewPaginator(tt.pager, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/items")
			pg.Init(req)
			more, err := pg.Next(req, &Response{Body: []byte(tt.body)}, recs(tt.records))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || more != tt.want {
				t.Fatalf("Next = %v, %v; want %v", more, err, tt.want)
			}
			if more && req.URL.RawQuery != tt.query {
				t.Errorf("query = %q, want %q", req.URL.RawQuery, tt.query)
			}
		})
	}
}

// TestLastIDStops: the last record's id goes out while has_more is true;
// has_more true without an id to send, or an id seen before, is an error.
func TestLastIDStops(t *testing.T) {
	tests := []struct {
		name, body string
		records    []gjson.Result
		query, err string
	}{
		{name: "next", body: `{"has_more":true}`, records: []gjson.Result{gjson.Parse(`{"id":"a"}`), gjson.Parse(`{"id":"b"}`)}, query: "starting_after=b"},
		{name: "numeric id", body: `{"has_more":true}`, records: []gjson.Result{gjson.Parse(`{"id":12}`)}, query: "starting_after=12"},
		{name: "end", body: `{"has_more":false}`, records: []gjson.Result{gjson.Parse(`{"id":"a"}`)}},
		{name: "flag missing", body: `{}`, records: []gjson.Result{gjson.Parse(`{"id":"a"}`)}, err: `last_id: has_more_path "has_more" not found in the response`},
		{name: "no id", body: `{"has_more":true}`, records: []gjson.Result{gjson.Parse(`{"name":"a"}`)}, err: `last_id: the last record has no id at id_path "id", but has_more_path "has_more" is true`},
		{name: "empty page", body: `{"has_more":true}`, err: `last_id: the page held no records, but has_more_path "has_more" is true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, _ := NewPaginator(pcfg(KindLastID), nil, nil)
			req := get(t, "https://api.test/v1/customers?limit=2")
			pg.Init(req)
			more, err := pg.Next(req, &Response{Body: []byte(tt.body)}, tt.records)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || more != (tt.query != "") {
				t.Fatalf("Next = %v, %v", more, err)
			}
			if more && req.URL.Query().Get("starting_after")+"" != strings.TrimPrefix(tt.query, "starting_after=") {
				t.Errorf("query = %q, want %q", req.URL.RawQuery, tt.query)
			}
		})
	}
	pg, _ := NewPaginator(pcfg(KindLastID), nil, nil)
	req := get(t, "https://api.test/x")
	pg.Init(req)
	page := []gjson.Result{gjson.Parse(`{"id":"a"}`)}
	pg.Next(req, &Response{Body: []byte(`{"has_more":true}`)}, page)
	if _, err := pg.Next(req, &Response{Body: []byte(`{"has_more":true}`)}, page); !errors.Is(err, ErrLoop) {
		t.Errorf("same last id twice: err = %v, want ErrLoop", err)
	}
}

func TestNewPaginatorErrors(t *testing.T) {
	tests := []struct {
		p    PaginatorConfig
		want string
	}{
		{pcfg("cursr"), `unknown type "cursr" (want one of json_link, json_response, header_link, offset, page_number, cursor, header_cursor, last_id, single_page, auto)`},
		{pcfg(""), "type is missing"},
		{pcfg("offset"), "offset: limit is required"},
		{pcfg("json_link", func(c *PaginatorConfig) { c.RelativeTo = "base" }), `json_link: relative_to "base" (want url or base_url)`},
		{pcfg("json_link", func(c *PaginatorConfig) { c.RelativeTo = "base_url" }), "needs an absolute client.base_url"},
		{pcfg("page_number", func(c *PaginatorConfig) { c.StopAfterEmptyPage = false }), "paging would never stop"},
		{pcfg("page_number", func(c *PaginatorConfig) { c.BasePage = 1; c.Page = 0 }), "page 0 is before base_page 1"},
		{pcfg("cursor", func(c *PaginatorConfig) { c.MaxPages = 0 }), "max_pages 0: want a number of pages above 0"},
		{pcfg("last_id", func(c *PaginatorConfig) { c.IDPath = "" }), "last_id: id_path, cursor_param and has_more_path must not be empty"},
	}
	for _, tt := range tests {
		_, err := NewPaginator(tt.p, nil, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want %q", tt.p, err, tt.want)
		}
	}
}

// TestAutoDetects covers what detection finds (at least everything dlt's
// detector finds: keys containing "next" at any level, {"href"|"url"}
// objects, Link headers) and what it refuses to guess.
func TestAutoDetects(t *testing.T) {
	tests := []struct {
		header http.Header
		body   string
		log    string // the choice logged
		err    string // or the error
		query  string // the next request's query, when followed
	}{
		{header: http.Header{"Link": {`<https://a.test/?p=2>; rel="next"`}}, body: `[]`, log: `paginator: detected header_link (Link header rel=\"next\")`, query: "p=2"},
		{body: `{"data":[1],"next":"https://a.test/?p=2"}`, log: `json_link (body \"next\" holds a URL)`, query: "p=2"},
		{body: `{"data":[1],"next_page":"/?p=2"}`, log: `json_link (body \"next_page\" holds a URL)`, query: "p=2"},
		{body: `{"data":[1],"nextPage":"?p=2"}`, log: `json_link (body \"nextPage\" holds a URL)`, query: "p=2"},
		{body: `{"data":[1],"next_url":"/?p=2"}`, log: `json_link (body \"next_url\" holds a URL)`, query: "p=2"},
		{body: `{"data":[1],"pagination":{"next":"https://a.test/?p=2"}}`, log: `json_link (body \"pagination.next\" holds a URL)`, query: "p=2"},
		{body: `{"data":[1],"links":{"next":{"href":"/x?p=2"}}}`, log: `json_link (body \"links.next.href\" holds a URL)`, query: "p=2"},
		{body: `{"_embedded":{"x":[1]},"_links":{"self":{"href":"/"},"next":{"href":"/?p=2"}}}`, log: `json_link (body \"_links.next.href\" holds a URL)`, query: "p=2"},
		{body: `{"value":[1],"@odata.nextLink":"https://a.test/?$skiptoken=x"}`, log: `json_link (body \"\\\\@odata\\\\.nextLink\" holds a URL)`, query: "$skiptoken=x"},
		{body: `{"data":{"items":[1],"meta":{"page":{"next_url":"/?p=2"}}}}`, log: `json_link (body \"data.meta.page.next_url\" holds a URL)`, query: "p=2"},
		{body: `{"data":[1],"meta":{"next_cursor":"abc"}}`, log: `cursor (body \"meta.next_cursor\" holds a cursor; sent as query parameter \"cursor\")`, query: "cursor=abc"},
		{body: `{"items":[1],"nextPageToken":"t2"}`, log: `sent as query parameter \"pageToken\"`, query: "pageToken=t2"},
		{body: `{"items":[1],"next_page_token":"t2"}`, log: `sent as query parameter \"page_token\"`, query: "page_token=t2"},
		{body: `{"items":[1],"cursors":{"next":"c2"}}`, log: `cursor (body \"cursors.next\" holds a cursor`, query: "cursor=c2"},
		{body: `{"items":[1],"cursor":"c2","has_more":true}`, log: `cursor (body \"cursor\" holds a cursor`, query: "cursor=c2"},
		{body: `{"members":[1],"response_metadata":{"next_cursor":"dXNlcjpV"}}`, log: `body \"response_metadata.next_cursor\" holds a cursor`, query: "cursor=dXNlcjpV"},
		{body: `{"results":[1],"paging":{"next":{"after":"NTI1"}}}`, log: `cursor (body \"paging.next.after\" holds a cursor; sent as query parameter \"after\")`, query: "after=NTI1"},
		{body: `{"object":"list","data":[{"id":"cus_1"}],"has_more":true}`, log: `last_id (body \"has_more\" is true and records have an id`, query: "starting_after=cus_1"},
		{body: `{"data":[1],"has_more":false,"next":"/?p=2"}`, log: `json_link (body \"next\" holds a URL)`}, // detected, and has_more false ends it
		{body: `{"data":[1]}`, log: `paginator: detected single_page (no Link header, next link, cursor or sign of more pages in the first response)`},
		{body: `{"data":[1],"next":null,"total":1}`, log: `detected single_page`},
		{body: `{"data":[1],"meta":{"hasNextPage":true}}`, err: `auto: body "meta.hasNextPage" is true, and no next link, cursor or record id follows it`},
		{body: `{"data":[1],"next":"not a url"}`, err: `auto: body "next" holds string "not a url", not a URL or a cursor`},
		{body: `{"data":[1],"page":{"totalElements":40}}`, err: `auto: body "page.totalElements" is 40 and the page held 1 records`},
	}
	for _, tt := range tests {
		var logs strings.Builder
		pg, _ := NewPaginator(pcfg("auto"), nil, slogTo(&logs))
		req := get(t, "https://a.test/")
		pg.Init(req)
		records := recs(1)
		if strings.Contains(tt.body, "cus_1") {
			records = []gjson.Result{gjson.Parse(`{"id":"cus_1"}`)}
		}
		more, err := pg.Next(req, &Response{Header: tt.header, Body: []byte(tt.body)}, records)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrMorePages) {
				t.Errorf("%s: err = %v, want %q", tt.body, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.body, err)
			continue
		}
		if !strings.Contains(logs.String(), tt.log) {
			t.Errorf("log %q, want %q", logs.String(), tt.log)
		}
		if more != (tt.query != "") || (more && req.URL.RawQuery != tt.query) {
			t.Errorf("%s: more %v, query %q; want %q", tt.body, more, req.URL.RawQuery, tt.query)
		}
	}
}

// pcfg returns kind's defaults (DefaultPaginator) with set applied; page
// follows base_page unless set.
func pcfg(kind string, set ...func(*PaginatorConfig)) PaginatorConfig {
	c := DefaultPaginator(kind)
	c.Page = -1
	for _, f := range set {
		f(&c)
	}
	if c.Page == -1 {
		c.Page = c.BasePage
	}
	return c
}

// recs returns n records {"id": 1..n}.
func recs(n int) []gjson.Result {
	out := make([]gjson.Result, n)
	for i := range out {
		out[i] = gjson.Parse(fmt.Sprintf(`{"id":%d}`, i+1))
	}
	return out
}

// TestLinkStopAfterEmptyPage: with stop_after_empty_page, json_link and
// header_link end the walk at a page without records, as pysnyk does for
// Snyk, instead of following its link; a page with records goes on.
func TestLinkStopAfterEmptyPage(t *testing.T) {
	for _, kind := range []string{"json_link", "header_link"} {
		for _, c := range []struct {
			body string
			want bool
		}{
			{`{"data":[],"next":"/items?p=2"}`, false},
			{`{"data":[1],"next":"/items?p=2"}`, true},
		} {
			cfg := pcfg(kind)
			cfg.StopAfterEmptyPage = true
			pg, err := NewPaginator(cfg, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/items")
			pg.Init(req)
			records, _ := NewSelector("data", nil).Select([]byte(c.body))
			resp := &Response{Body: []byte(c.body), Header: http.Header{"Link": {`</items?p=2>; rel="next"`}}}
			if more, err := pg.Next(req, resp, records); err != nil || more != c.want {
				t.Errorf("%s %s: Next = %v, %v; want %v", kind, c.body, more, err, c.want)
			}
		}
	}
}
