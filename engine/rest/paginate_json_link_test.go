package rest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestJSONLinkLiteralKey: a next_url_path written as the key the docs
// show ("@odata.nextLink", "odata.nextLink") is followed although gjson
// reads "@" as a modifier and "." as a level; a real path still wins
// over a key of the same spelling.
func TestJSONLinkLiteralKey(t *testing.T) {
	tests := []struct {
		name, path, body, want string
	}{
		{"odata v4", "@odata.nextLink", `{"value":[1],"@odata.nextLink":"https://api.test/users?$skiptoken=X1"}`, "https://api.test/users?$skiptoken=X1"},
		{"odata v3", "odata.nextLink", `{"value":[1],"odata.nextLink":"https://api.test/users?$skiptoken=X2"}`, "https://api.test/users?$skiptoken=X2"},
		{"escaped", `@odata\.nextLink`, `{"value":[1],"@odata.nextLink":"https://api.test/users?$skiptoken=X3"}`, "https://api.test/users?$skiptoken=X3"},
		{"path wins", "links.next", `{"value":[1],"links.next":"https://api.test/a","links":{"next":"https://api.test/b"}}`, "https://api.test/b"},
		{"last page", "@odata.nextLink", `{"value":[1]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := NewPaginator(pcfg(KindJSONLink, func(c *PaginatorConfig) { c.NextURLPath = tt.path }), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/users?$top=1")
			if err := pg.Init(req); err != nil {
				t.Fatal(err)
			}
			records, err := NewSelector("value", nil).Select([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			more, err := pg.Next(req, &Response{Body: []byte(tt.body)}, records)
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			got := ""
			if more {
				got = req.URL.String()
			}
			if got != tt.want {
				t.Errorf("next request %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLinkWalksBoundEmptyRuns: both link paginators follow empty pages
// that link another, a page of records resets the count, and the
// maxEmptyRun-th empty page in a row fails with ErrLoop.
func TestLinkWalksBoundEmptyRuns(t *testing.T) {
	for _, kind := range []string{KindJSONLink, KindHeaderLink} {
		t.Run(kind, func(t *testing.T) {
			pg, err := NewPaginator(pcfg(kind), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/items")
			if err := pg.Init(req); err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= 2*maxEmptyRun; i++ {
				next := fmt.Sprintf("https://api.test/items?p=%d", i)
				resp := &Response{Header: http.Header{"Link": {"<" + next + `>; rel="next"`}}, Body: []byte(`{"data":[],"next":"` + next + `"}`)}
				records := 0
				if i == maxEmptyRun-1 {
					records = 1 // resets the run
				}
				more, err := pg.Next(req, resp, recs(records))
				wantErr := i == 2*maxEmptyRun-1 // the tenth empty page after the reset
				if wantErr {
					if more || !errors.Is(err, ErrLoop) {
						t.Fatalf("page %d: Next = %v, %v; want ErrLoop", i, more, err)
					}
					return
				}
				if !more || err != nil {
					t.Fatalf("page %d: Next = %v, %v; want the link followed", i, more, err)
				}
			}
			t.Fatal("no error after the empty run")
		})
	}
}

// TestJSONLinkQueryOnlyDropsParams: a next link that is a query alone
// ("?after=2", as HubSpot's docs show paging.next.link) and leaves out
// parameters the request carries fails naming them; one that keeps them,
// an absolute link and a path link are followed.
func TestJSONLinkQueryOnlyDropsParams(t *testing.T) {
	for _, c := range []struct{ name, link, err string }{
		{"query drops", "?after=NTI1Cg%3D%3D", `json_link: the next link "?after=NTI1Cg%3D%3D" at next_url_path "paging.next.link" is a query alone, which replaces the request's whole query (RFC 3986): the next pages would be asked without limit, properties`},
		{"query keeps", "?after=2&limit=2&properties=email", ""},
		{"absolute drops", "https://api.test/crm/v3/objects/contacts?after=2", ""},
		{"path drops", "/crm/v3/objects/contacts?after=2", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			pg, err := NewPaginator(pcfg(KindJSONLink, func(p *PaginatorConfig) { p.NextURLPath = "paging.next.link" }), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/crm/v3/objects/contacts?limit=2&properties=email")
			pg.Init(req)
			body := `{"results":[{"id":"1"}],"paging":{"next":{"after":"2","link":` + strconv.Quote(c.link) + `}}}`
			more, err := pg.Next(req, &Response{Body: []byte(body)}, recs(1))
			if c.err == "" {
				if !more || err != nil {
					t.Errorf("more %v, err %v; want the link followed", more, err)
				}
				return
			}
			if more || err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("more %v, err %v\nwant an error holding %s", more, err, c.err)
			}
		})
	}
}

// TestJSONLinkTotalPath: total_path keeps the first page's total; a
// later page's other total fails as shifted, and a walk that ends below
// the total fails as short.
func TestJSONLinkTotalPath(t *testing.T) {
	for _, tt := range []struct {
		second string
		err    error
	}{
		{`{"count":3,"next":null,"results":[{"id":3}]}`, nil},
		{`{"count":2,"next":null,"results":[{"id":3}]}`, ErrShifted},
		{`{"count":3,"next":null,"results":[]}`, ErrMorePages},
	} {
		pg, err := NewPaginator(pcfg(KindJSONLink, func(c *PaginatorConfig) { c.TotalPath = "count" }), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := get(t, "https://a.test/api/v2/findings/?limit=2")
		pg.Init(req)
		first := `{"count":3,"next":"https://a.test/api/v2/findings/?limit=2&offset=2","results":[{"id":1},{"id":2}]}`
		if more, err := pg.Next(req, &Response{Body: []byte(first)}, gjson.Get(first, "results").Array()); !more || err != nil {
			t.Fatalf("page 1: more %v, err %v", more, err)
		}
		more, err := pg.Next(req, &Response{Body: []byte(tt.second)}, gjson.Get(tt.second, "results").Array())
		if more || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("%s: more %v, err %v; want err %v", tt.second, more, err, tt.err)
		}
	}
}

// TestJSONLinkHoldsPositionalTotal: without total_path, a walk whose
// links step a page number or an offset is held to the total of records
// its first page shows (DigitalOcean's meta.total under
// links.pages.next): a record created mid-walk fails it. Links that
// carry a cursor are not: a record created then is read later, not
// missed.
func TestJSONLinkHoldsPositionalTotal(t *testing.T) {
	for _, tt := range []struct {
		name, next string
		total      int // on page 2
		err        error
	}{
		{"page, total kept", "https://a.test/v2/droplets?page=2&per_page=2", 3, nil},
		{"page, total grown", "https://a.test/v2/droplets?page=2&per_page=2", 4, ErrShifted},
		{"offset, total shrunk", "https://a.test/v2/droplets?per_page=2&offset=2", 2, ErrShifted},
		{"cursor, total grown", "https://a.test/v2/droplets?per_page=2&after=ZHJvcC0y", 4, nil},
		// An id as APIs send them; since_id=2 after a page of 2 records
		// would read as an offset (StepsByPosition, as the moved-record
		// check reads it).
		{"id, total grown", "https://a.test/v2/droplets?per_page=2&since_id=583231", 4, nil},
		{"other path, total grown", "https://a.test/v2/droplets/more?page=2&per_page=2", 4, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := NewPaginator(pcfg(KindJSONLink, func(c *PaginatorConfig) { c.NextURLPath = "links.pages.next" }), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://a.test/v2/droplets?per_page=2")
			pg.Init(req)
			first := `{"droplets":[{"id":1},{"id":2}],"links":{"pages":{"next":"` + tt.next + `"}},"meta":{"total":3}}`
			if more, err := pg.Next(req, &Response{Body: []byte(first)}, recs(2)); !more || err != nil {
				t.Fatalf("page 1: more %v, err %v", more, err)
			}
			second := fmt.Sprintf(`{"droplets":[{"id":3}],"links":{"pages":{}},"meta":{"total":%d}}`, tt.total)
			more, err := pg.Next(req, &Response{Body: []byte(second)}, recs(1))
			if tt.err == nil && tt.total > 3 {
				// Not held to the total: the end check still sees 4 > 3 read.
				if !errors.Is(err, ErrMorePages) || errors.Is(err, ErrShifted) {
					t.Errorf("page 2: more %v, err %v; want ErrMorePages from the end check only", more, err)
				}
				return
			}
			if more || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Errorf("page 2: more %v, err %v; want %v", more, err, tt.err)
			}
		})
	}
}

// TestJSONLinkOwnURLWithLastAhead: a next link equal to the page's own
// URL ends the walk (Snyk's last page links itself), unless the link to
// the last page beside it names a page not read yet: then the API
// repeated a link by mistake and the walk would end short.
func TestJSONLinkOwnURLWithLastAhead(t *testing.T) {
	for _, tt := range []struct {
		body string
		err  error
	}{
		// https://docs.snyk.io/snyk-api/rest-api/about-the-rest-api (links.next on the last page)
		{`{"data":[{"id":1}],"links":{"self":"/orgs?page=1","next":"/orgs?page=1"}}`, nil},
		{`{"data":[{"id":1}],"links":{"self":"/orgs?page=1","next":"/orgs?page=1","last":"/orgs?page=1"}}`, nil},
		{`{"data":[{"id":1}],"links":{"self":"/orgs?page=1","next":"/orgs?page=1","last":"/orgs?page=4"}}`, ErrMorePages},
	} {
		pg, err := NewPaginator(pcfg(KindJSONLink, func(c *PaginatorConfig) { c.NextURLPath = "links.next" }), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := get(t, "https://a.test/orgs?page=1")
		pg.Init(req)
		more, err := pg.Next(req, &Response{Body: []byte(tt.body)}, gjson.Get(tt.body, "data").Array())
		if more || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("%s: more %v, err %v; want err %v", tt.body, more, err, tt.err)
		}
	}
}
