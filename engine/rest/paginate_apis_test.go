package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// The fakes below follow the documented list responses of public APIs
// (Stripe, Jira, GitHub, HubSpot, Zendesk, Notion, HAL), not our own
// shapes: each serves records {"id": "r001"} … in order and pages the way
// its documentation says, limits and caps included.

func apiRecords(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"id": fmt.Sprintf("r%03d", i+1)}
	}
	return out
}

func wantIDs(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("r%03d", i+1)
	}
	return strings.Join(ids, ",")
}

// index returns the position of the record with id, or -1.
func index(recs []map[string]any, id string) int {
	for i, r := range recs {
		if r["id"] == id {
			return i
		}
	}
	return -1
}

func intParam(q url.Values, name string, def int) int {
	if n, err := strconv.Atoi(q.Get(name)); err == nil {
		return n
	}
	return def
}

// stripeList serves GET /v1/customers as Stripe lists do: limit (default
// 10, 1..100), starting_after=<an object id>, {"object": "list", "url",
// "has_more", "data"}; an unknown starting_after is a 400.
func stripeList(total int) http.HandlerFunc {
	all := apiRecords(total)
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit := intParam(q, "limit", 10)
		if limit < 1 || limit > 100 {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":{"type":"invalid_request_error","message":"Invalid limit"}}`)
			return
		}
		start := 0
		if a := q.Get("starting_after"); a != "" {
			if start = index(all, a) + 1; start == 0 {
				w.WriteHeader(400)
				io.WriteString(w, `{"error":{"type":"invalid_request_error","code":"resource_missing"}}`)
				return
			}
		}
		end := min(start+limit, len(all))
		writeJSON(w, map[string]any{"object": "list", "url": "/v1/customers", "has_more": end < len(all), "data": all[start:end]})
	}
}

// jiraSearch serves POST /rest/api/2/search: startAt and maxResults in the
// JSON body, maxResults capped at 50 whatever is asked (Jira overrides a
// value above an endpoint's limit), {"startAt", "maxResults", "total",
// "issues"}.
func jiraSearch(total int) http.HandlerFunc {
	all := apiRecords(total)
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			JQL        string `json:"jql"`
			StartAt    *int   `json:"startAt"`
			MaxResults int    `json:"maxResults"`
		}
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&in) != nil || in.JQL == "" || in.StartAt == nil {
			w.WriteHeader(400)
			io.WriteString(w, `{"errorMessages":["bad request"]}`)
			return
		}
		max := min(in.MaxResults, 50)
		start := min(*in.StartAt, len(all))
		end := min(start+max, len(all))
		writeJSON(w, map[string]any{"startAt": start, "maxResults": max, "total": len(all), "issues": all[start:end]})
	}
}

// cappedOffset serves ?offset&limit with limit capped at 25 and, when
// withTotal, the total in the body.
func cappedOffset(total int, withTotal bool) http.HandlerFunc {
	all := apiRecords(total)
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		off, lim := min(intParam(q, "offset", 0), len(all)), min(intParam(q, "limit", 10), 25)
		body := map[string]any{"items": all[off:min(off+lim, len(all))]}
		if withTotal {
			body["total"] = len(all)
		}
		writeJSON(w, body)
	}
}

// githubList serves a top-level array with per_page (default 30, max 100)
// and page, and a Link header with next, last, first and prev as GitHub
// sends them; the last page has no rel="next".
func githubList(srv func() string, total int) http.HandlerFunc {
	all := apiRecords(total)
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		per, page := min(intParam(q, "per_page", 30), 100), max(intParam(q, "page", 1), 1)
		last := (len(all) + per - 1) / per
		link := func(p int, rel string) string {
			return fmt.Sprintf(`<%s/repos/o/r/issues?per_page=%d&page=%d>; rel="%s"`, srv(), per, p, rel)
		}
		var links []string
		if page < last {
			links = append(links, link(page+1, "next"), link(last, "last"))
		}
		if page > 1 {
			links = append(links, link(1, "first"), link(page-1, "prev"))
		}
		if len(links) > 0 {
			w.Header().Set("Link", strings.Join(links, ", "))
		}
		start := min((page-1)*per, len(all))
		writeJSON(w, all[start:min(start+per, len(all))])
	}
}

// hubspotList serves GET /crm/v3/objects/contacts: limit (max 100) and
// after, {"results", "paging": {"next": {"after", "link"}}}; the last page
// has no paging.
func hubspotList(srv func() string, total int) http.HandlerFunc {
	all := apiRecords(total)
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit := min(intParam(q, "limit", 10), 100)
		start := 0
		if a := q.Get("after"); a != "" {
			start = intParam(url.Values{"a": {a}}, "a", 0)
		}
		end := min(start+limit, len(all))
		body := map[string]any{"results": all[start:end]}
		if end < len(all) {
			after := strconv.Itoa(end)
			body["paging"] = map[string]any{"next": map[string]any{
				"after": after, "link": fmt.Sprintf("%s/crm/v3/objects/contacts?limit=%d&after=%s", srv(), limit, after)}}
		}
		writeJSON(w, body)
	}
}

// zendeskIncremental serves the time-based incremental export: ?start_time
// gives the tickets from that position, {"tickets", "next_page", "count",
// "end_of_stream", "end_time"}. next_page is always there: on the last page
// (end_of_stream true) it points at the export's end for the next run.
func zendeskIncremental(srv func() string, total int) http.HandlerFunc {
	all := apiRecords(total)
	return func(w http.ResponseWriter, r *http.Request) {
		start := min(intParam(r.URL.Query(), "start_time", 0), len(all))
		end := min(start+40, len(all))
		writeJSON(w, map[string]any{
			"tickets": all[start:end], "count": end - start, "end_time": end, "end_of_stream": end == len(all),
			"next_page": fmt.Sprintf("%s/api/v2/incremental/tickets.json?start_time=%d", srv(), end),
		})
	}
}

// zendeskCursor serves cursor pagination: page[size] and page[after],
// {"tickets", "meta": {"has_more", "after_cursor", "before_cursor"},
// "links": {"next", "prev"}}. links.next is sent on every page; has_more
// false says the last one.
func zendeskCursor(srv func() string, total int) http.HandlerFunc {
	all := apiRecords(total)
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		size := min(intParam(q, "page[size]", 100), 100)
		start := 0
		if a := q.Get("page[after]"); a != "" {
			start = index(all, a) + 1
		}
		end := min(start+size, len(all))
		page := all[start:end]
		after := ""
		if len(page) > 0 {
			after = page[len(page)-1]["id"].(string)
		}
		writeJSON(w, map[string]any{
			"tickets": page,
			"meta":    map[string]any{"has_more": end < len(all), "after_cursor": after, "before_cursor": nil},
			"links":   map[string]any{"next": fmt.Sprintf("%s/api/v2/tickets.json?page%%5Bsize%%5D=%d&page%%5Bafter%%5D=%s", srv(), size, after), "prev": nil},
		})
	}
}

// notionQuery serves POST /v1/databases/db/query: start_cursor and
// page_size (max 100) in the JSON body, {"object": "list", "results",
// "next_cursor", "has_more"}.
func notionQuery(total int) http.HandlerFunc {
	all := apiRecords(total)
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			StartCursor string `json:"start_cursor"`
			PageSize    int    `json:"page_size"`
		}
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&in) != nil {
			w.WriteHeader(400)
			return
		}
		size := min(max(in.PageSize, 1), 100)
		start := 0
		if in.StartCursor != "" {
			start = index(all, in.StartCursor)
		}
		end := min(start+size, len(all))
		var next any
		if end < len(all) {
			next = all[end]["id"]
		}
		writeJSON(w, map[string]any{"object": "list", "results": all[start:end], "next_cursor": next, "has_more": next != nil, "type": "page_or_database"})
	}
}

// halList serves HAL: {"_links": {"self": {"href"}, "next": {"href"}},
// "_embedded": {"orders": [...]}, "total"}; the last page has no next.
func halList(total int) http.HandlerFunc {
	all := apiRecords(total)
	return func(w http.ResponseWriter, r *http.Request) {
		page := max(intParam(r.URL.Query(), "page", 1), 1)
		start := min((page-1)*20, len(all))
		end := min(start+20, len(all))
		links := map[string]any{"self": map[string]any{"href": fmt.Sprintf("/orders?page=%d", page)}}
		if end < len(all) {
			links["next"] = map[string]any{"href": fmt.Sprintf("/orders?page=%d", page+1)}
		}
		writeJSON(w, map[string]any{"_links": links, "_embedded": map[string]any{"orders": all[start:end]}, "total": len(all)})
	}
}

type apiCase struct {
	name     string
	handler  func(srv func() string) http.HandlerFunc
	method   string
	path     string
	json     any
	pager    PaginatorConfig // zero: auto
	selector string
	actions  []ResponseAction
	records  int    // records read, in order (with an error: of the pages before the failing one)
	requests int32  // requests sent
	err      error  // sentinel the error wraps, if any
	msg      string // the error text, server address as http://api.test
	log      string // in the log (auto)
}

var apiCases = []apiCase{
	{name: "stripe auto: has_more and ids", handler: func(func() string) http.HandlerFunc { return stripeList(25) }, path: "/v1/customers?limit=10",
		records: 25, requests: 3, log: `detected last_id (body \"has_more\" is true and records have an id`},
	{name: "stripe last_id", handler: func(func() string) http.HandlerFunc { return stripeList(30) }, path: "/v1/customers?limit=10",
		pager: pcfg(KindLastID), selector: "data", records: 30, requests: 3},
	{name: "jira POST search, maxResults capped at 50", handler: func(func() string) http.HandlerFunc { return jiraSearch(120) },
		method: "POST", path: "/rest/api/2/search", json: map[string]any{"jql": "project = PROJ ORDER BY key ASC"}, selector: "issues",
		pager: pcfg(KindOffset, func(c *PaginatorConfig) {
			c.Limit, c.OffsetBodyPath, c.LimitBodyPath, c.TotalPath = 100, "startAt", "maxResults", "total"
		}), records: 120, requests: 3},
	{name: "limit capped below the request, total_path", handler: func(func() string) http.HandlerFunc { return cappedOffset(110, true) }, path: "/items",
		pager: pcfg(KindOffset, func(c *PaginatorConfig) { c.Limit, c.TotalPath = 100, "total" }), selector: "items", records: 110, requests: 5},
	{name: "limit capped, total in the body but no total_path", handler: func(func() string) http.HandlerFunc { return cappedOffset(110, true) }, path: "/items",
		pager: pcfg(KindOffset, func(c *PaginatorConfig) { c.Limit = 100 }), selector: "items", records: 0, requests: 1, err: ErrMorePages,
		msg: `resource "t": page 1: GET http://api.test/items?limit=100&offset=0: offset: a short page (25 records, limit 100), but body "total" is 110 and 25 records were read: more pages than the paginator follows (set total_path "total" on an offset paginator (a total of records; page_number's total_path counts pages), or a paginator that reaches the rest)`},
	{name: "limit capped, no total: a short page ends", handler: func(func() string) http.HandlerFunc { return cappedOffset(110, false) }, path: "/items",
		pager: pcfg(KindOffset, func(c *PaginatorConfig) { c.Limit = 100 }), selector: "items", records: 25, requests: 1},
	{name: "github Link header auto", handler: func(srv func() string) http.HandlerFunc { return githubList(srv, 75) }, path: "/repos/o/r/issues?per_page=30",
		records: 75, requests: 3, log: `detected header_link`},
	{name: "hubspot paging.next auto", handler: func(srv func() string) http.HandlerFunc { return hubspotList(srv, 45) }, path: "/crm/v3/objects/contacts?limit=20",
		records: 45, requests: 3, log: `detected json_link (body \"paging.next.link\" holds a URL)`},
	{name: "hubspot paging.next.after cursor", handler: func(srv func() string) http.HandlerFunc { return hubspotList(srv, 45) }, path: "/crm/v3/objects/contacts?limit=20",
		pager: pcfg(KindCursor, func(c *PaginatorConfig) { c.CursorPath, c.CursorParam = "paging.next.after", "after" }), selector: "results", records: 45, requests: 3},
	{name: "zendesk incremental: next_page until end_of_stream", handler: func(srv func() string) http.HandlerFunc { return zendeskIncremental(srv, 100) },
		path: "/api/v2/incremental/tickets.json?start_time=0", records: 100, requests: 3, log: `detected json_link (body \"next_page\" holds a URL)`},
	{name: "zendesk cursor: links.next until meta.has_more false", handler: func(srv func() string) http.HandlerFunc { return zendeskCursor(srv, 50) },
		path: "/api/v2/tickets.json?page%5Bsize%5D=20", records: 50, requests: 3, log: `detected json_link (body \"links.next\" holds a URL)`},
	{name: "zendesk cursor: explicit json_link with has_more_path", handler: func(srv func() string) http.HandlerFunc { return zendeskCursor(srv, 50) },
		path: "/api/v2/tickets.json?page%5Bsize%5D=20", selector: "tickets", records: 50, requests: 3,
		pager: pcfg(KindJSONLink, func(c *PaginatorConfig) { c.NextURLPath, c.HasMorePath = "links.next", "meta.has_more" })},
	{name: "notion POST query: next_cursor in start_cursor", handler: func(func() string) http.HandlerFunc { return notionQuery(230) },
		method: "POST", path: "/v1/databases/db/query", json: map[string]any{"page_size": 100}, selector: "results",
		pager: pcfg(KindCursor, func(c *PaginatorConfig) {
			c.CursorPath, c.CursorBodyPath, c.HasMorePath = "next_cursor", "start_cursor", "has_more"
		}), records: 230, requests: 3},
	{name: "notion with a json_link that finds no link", handler: func(func() string) http.HandlerFunc { return notionQuery(230) },
		method: "POST", path: "/v1/databases/db/query", json: map[string]any{"page_size": 100}, selector: "results",
		pager: pcfg(KindJSONLink), records: 0, requests: 1, err: ErrMorePages,
		msg: `resource "t": page 1: POST http://api.test/v1/databases/db/query: json_link: no link at next_url_path "next", but body "has_more" is true: more pages than the paginator follows (set a paginator that follows it: cursor with cursor_path, last_id with id_path, or json_link with next_url_path, and has_more_path "has_more")`},
	{name: "HAL _links.next.href auto", handler: func(func() string) http.HandlerFunc { return halList(50) }, path: "/orders",
		records: 50, requests: 3, log: `detected json_link (body \"_links.next.href\" holds a URL)`},

	// Hostile APIs.
	{name: "has_more true and no way to follow it", path: "/items", records: 0, requests: 1, err: ErrMorePages,
		handler: func(func() string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, map[string]any{"data": []map[string]any{{"name": "a"}, {"name": "b"}}, "has_more": true})
			}
		},
		msg: `resource "t": page 1: GET http://api.test/items: auto: body "has_more" is true, and no next link, cursor or record id follows it: more pages than the paginator follows (set the paginator the API pages with: offset with limit and total_path, page_number, cursor with cursor_path and cursor_param, last_id, json_link with next_url_path; or single_page if there is one page)`},
	{name: "a total above the records and no way to follow it", path: "/items", records: 0, requests: 1, err: ErrMorePages,
		handler: func(func() string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, map[string]any{"items": apiRecords(10), "total_count": 95})
			}
		},
		msg: `auto: body "total_count" is 95 and the page held 10 records: more pages than the paginator follows`},
	{name: "a next key that is not a URL", path: "/items", records: 0, requests: 1, err: ErrMorePages,
		handler: func(func() string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, map[string]any{"items": apiRecords(10), "next_page": 2})
			}
		},
		msg: `auto: body "next_page" holds number 2, not a URL or a cursor: more pages than the paginator follows`},
	{name: "a next link that changes every time", path: "/items", requests: 20, records: 19, err: ErrMaxPages,
		pager: pcfg(KindJSONLink, func(c *PaginatorConfig) { c.MaxPages = 20 }),
		handler: func(func() string) http.HandlerFunc {
			var n atomic.Int64
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, map[string]any{"data": []map[string]any{{"id": 1}}, "next": fmt.Sprintf("/items?page=1&nonce=%d", n.Add(1))})
			}
		},
		msg: `resource "t": page 20: GET http://api.test/items?page=1&nonce=19: json_link: max_pages reached: 20 pages requested and the response points to another (raise max_pages if the API has more; a next link that changes on every page never ends)`},
	{name: "an empty 200", path: "/items", requests: 1,
		handler: func(func() string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }
		},
		msg: `resource "t": page 1: GET http://api.test/items: response body is empty (status 200, Content-Type ""; a response_action can ignore it)`},
	{name: "an HTML 200", path: "/items", requests: 1,
		handler: func(func() string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				io.WriteString(w, "<!doctype html><html><body>Sign in</body></html>")
			}
		},
		msg: `resource "t": page 1: GET http://api.test/items: response body is not JSON (status 200, Content-Type "text/html; charset=utf-8", starts "<!doctype html><html><body>Sign in</body></html>"; a response_action can ignore it)`},
	{name: "a quota error on a 200", path: "/items", selector: "data", requests: 1, handler: quotaAPI,
		msg: `resource "t": page 1: GET http://api.test/items: data_selector "data" not found in the response (it holds keys "error")`},
	{name: "a quota error ignored by response_actions", path: "/items", selector: "data", requests: 1, handler: quotaAPI,
		actions: []ResponseAction{{Content: "quota", Action: ActionIgnore}}},
}

func quotaAPI(func() string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"error":"quota exceeded"}`) }
}

// TestPaginatorsAgainstPublicAPIs walks each fake and checks the records
// (all of them, in order), the requests and, for the failures, the error.
func TestPaginatorsAgainstPublicAPIs(t *testing.T) {
	for _, tt := range apiCases {
		t.Run(tt.name, func(t *testing.T) {
			var srv *httptest.Server
			var n atomic.Int32
			h := tt.handler(func() string { return srv.URL })
			srv = serve(t, func(w http.ResponseWriter, r *http.Request) { n.Add(1); h(w, r) })
			cfg := tt.pager
			if cfg.Type == "" {
				cfg = pcfg(KindAuto)
			}
			var logs strings.Builder
			pg, err := NewPaginator(cfg, mustURL(t, srv.URL), slogTo(&logs))
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, srv.URL+tt.path)
			if tt.method != "" {
				req.Method, req.JSON = tt.method, tt.json
			}
			c, _ := newTestClient(t, Options{})
			var ids []string
			var last error
			for page, err := range c.Pages(context.Background(), req, pg, NewSelector(tt.selector, nil), Call{Resource: "t", Actions: tt.actions}) {
				if err != nil {
					last = err
					break
				}
				for _, r := range page.Records {
					ids = append(ids, r.Get("id").String())
				}
			}
			if tt.err != nil && !errors.Is(last, tt.err) {
				t.Errorf("err = %v, want %v", last, tt.err)
			}
			got := ""
			if last != nil {
				got = strings.ReplaceAll(last.Error(), srv.URL, "http://api.test")
			}
			if !strings.Contains(got, tt.msg) || (tt.msg == "") != (got == "") {
				t.Errorf("err = %s\nwant %s", got, tt.msg)
			}
			if tt.err == nil && tt.msg == "" {
				if strings.Join(ids, ",") != wantIDs(tt.records) {
					t.Errorf("records = %v, want r001..r%03d", ids, tt.records)
				}
			} else if len(ids) != tt.records {
				t.Errorf("records before the error = %d, want %d", len(ids), tt.records)
			}
			if n.Load() != tt.requests {
				t.Errorf("requests = %d, want %d", n.Load(), tt.requests)
			}
			if !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log %q, want %q", logs.String(), tt.log)
			}
		})
	}
}
