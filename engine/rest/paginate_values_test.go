package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tidwall/gjson"
)

// slotted returns a request whose query, headers, form and JSON body
// hold paginator slots, as engine/extract builds one from
// {paginator.NAME} placeholders.
func slotted(t *testing.T) *Request {
	t.Helper()
	q := url.Values{"query": {"select * from Invoice STARTPOSITION " + Slot("offset") + " MAXRESULTS " + Slot("limit")}, "minorversion": {"75"}}
	req := &Request{Method: http.MethodPost, URL: mustURL(t, "https://api.test/query?"+q.Encode()), Header: http.Header{"X-Range": {"items=" + Slot("offset") + "-"}}}
	req.JSON = map[string]any{"from": Slot("offset"), "size": Slot("limit"), "note": "at " + Slot("offset"), "list": []any{Slot("limit"), "x"}}
	return req
}

// TestPagerValuesFilled: each slot takes the paginator's value, as text
// in the query, a header and a JSON string, with its JSON type when it is
// a whole JSON string; offset_param and limit_param are not sent.
func TestPagerValuesFilled(t *testing.T) {
	pg, err := NewPaginator(pcfg("offset", func(c *PaginatorConfig) {
		c.Limit, c.Offset, c.Placed = 2, 1, []string{ValueLimit, ValueOffset}
	}), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := slotted(t)
	req.capture()
	if err := pg.Init(req); err != nil {
		t.Fatal(err)
	}
	check := func(req *Request, offset int) {
		t.Helper()
		if err := req.fill(); err != nil {
			t.Fatal(err)
		}
		q := req.URL.Query()
		if got, want := q.Get("query"), fmt.Sprintf("select * from Invoice STARTPOSITION %d MAXRESULTS 2", offset); got != want {
			t.Errorf("query %q, want %q", got, want)
		}
		if q.Has("offset") || q.Has("limit") || q.Get("minorversion") != "75" {
			t.Errorf("query %v: want minorversion and query only", q)
		}
		if got, want := req.Header.Get("X-Range"), fmt.Sprintf("items=%d-", offset); got != want {
			t.Errorf("header %q, want %q", got, want)
		}
		body, _ := json.Marshal(req.JSON)
		if want := fmt.Sprintf(`{"from":%d,"list":[2,"x"],"note":"at %d","size":2}`, offset, offset); string(body) != want {
			t.Errorf("body %s, want %s", body, want)
		}
	}
	check(req, 1)
	for i, offset := range []int{3, 5} {
		next := req.Clone()
		page := []gjson.Result{gjson.Parse(fmt.Sprintf(`{"id":%d}`, 2*i)), gjson.Parse(fmt.Sprintf(`{"id":%d}`, 2*i+1))}
		if more, err := pg.Next(next, &Response{Body: []byte(`{}`)}, page); !more || err != nil {
			t.Fatalf("more %v, err %v", more, err)
		}
		check(next, offset)
		req = next
	}
}

// TestPagerValuesPage: page_number fills {paginator.page} in a form
// field and a raw body (Dataverse's FetchXML), and sends no page param.
func TestPagerValuesPage(t *testing.T) {
	pg, err := NewPaginator(pcfg("page_number", func(c *PaginatorConfig) {
		c.BasePage, c.Page, c.Placed = 1, 1, []string{ValuePage}
	}), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := get(t, "https://api.test/accounts")
	req.Form = url.Values{"fetchXml": {`<fetch page="` + Slot("page") + `" count="50">`}}
	req.capture()
	pg.Init(req)
	next := req.Clone()
	if more, err := pg.Next(next, &Response{Body: []byte(`{}`)}, recs(3)); !more || err != nil {
		t.Fatalf("more %v, err %v", more, err)
	}
	for i, r := range []*Request{req, next} {
		if err := r.fill(); err != nil {
			t.Fatal(err)
		}
		if got, want := r.Form.Get("fetchXml"), fmt.Sprintf(`<fetch page="%d" count="50">`, i+1); got != want {
			t.Errorf("form %q, want %q", got, want)
		}
		if r.URL.Query().Has("page") {
			t.Errorf("page %d sent page=", i+1)
		}
	}
	raw := get(t, "https://api.test/accounts")
	raw.Raw = `<fetch page="` + Slot("page") + `"/>`
	raw.capture()
	pg.Init(raw)
	if err := raw.fill(); err != nil || raw.Raw != `<fetch page="1"/>` {
		t.Errorf("raw %q, err %v", raw.Raw, err)
	}
}

// TestPagerValuesErrors: a slot the paginator does not fill, or a
// placed value of another kind, fails naming the kind that has it.
func TestPagerValuesErrors(t *testing.T) {
	_, err := NewPaginator(pcfg("page_number", func(c *PaginatorConfig) { c.Placed = []string{ValueOffset} }), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "{paginator.offset}: page_number has no such value (it is offset's)") {
		t.Errorf("err = %v", err)
	}
	_, err = NewPaginator(pcfg("auto", func(c *PaginatorConfig) { c.Placed = []string{ValuePage} }), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "auto has no such value (it is page_number's)") {
		t.Errorf("err = %v", err)
	}
	req := slotted(t)
	req.capture()
	if err := req.fill(); err == nil || !strings.Contains(err.Error(), "parameter query: {paginator.offset} has no value: the paginator does not set it (it is offset's)") {
		t.Errorf("fill without values: %v", err)
	}
	plain := get(t, "https://api.test/x?a=1")
	plain.capture()
	if plain.slots != nil || plain.fill() != nil {
		t.Errorf("a request without slots is captured")
	}
}

// TestPagerValuesWalk: Client.Pages sends each page's values in the
// query text (a SQL-like LIMIT/OFFSET, 0-based) and stops on the short
// page; the parallel walk (total_path) fills its pages too.
func TestPagerValuesWalk(t *testing.T) {
	for _, parallel := range []int{0, 3} {
		t.Run(fmt.Sprint("parallel", parallel), func(t *testing.T) {
			var mu sync.Mutex
			var got []string
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, r.URL.Query().Get("query")+"|"+r.URL.Query().Get("offset"))
				mu.Unlock()
				var start, max int
				fmt.Sscanf(r.URL.Query().Get("query"), "select * from Customer OFFSET %d LIMIT %d", &start, &max)
				var ids []string
				for i := start + 1; i <= start+max && i <= 5; i++ {
					ids = append(ids, fmt.Sprintf(`{"Id":"%d"}`, i))
				}
				fmt.Fprintf(w, `{"QueryResponse":{"Customer":[%s],"totalCount":5}}`, strings.Join(ids, ","))
			})
			c, _ := newTestClient(t, Options{})
			pg, err := NewPaginator(pcfg("offset", func(c *PaginatorConfig) {
				c.Limit, c.Placed, c.Parallel = 2, []string{ValueLimit, ValueOffset}, parallel
				if parallel > 0 {
					c.TotalPath = "QueryResponse.totalCount"
				}
			}), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			q := url.Values{"query": {"select * from Customer OFFSET " + Slot("offset") + " LIMIT " + Slot("limit")}}
			var ids []string
			for page, err := range c.Pages(context.Background(), get(t, srv.URL+"/query?"+q.Encode()), pg, NewSelector("QueryResponse.Customer", nil), Call{}) {
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(page.Request.URL.RawQuery, "%00") {
					t.Errorf("page %d's request keeps a slot: %s", page.Number, page.Request.URL)
				}
				for _, r := range page.Records {
					ids = append(ids, r.Get("Id").String())
				}
			}
			if strings.Join(ids, ",") != "1,2,3,4,5" {
				t.Errorf("ids %v", ids)
			}
			want := "select * from Customer OFFSET 0 LIMIT 2|,select * from Customer OFFSET 2 LIMIT 2|,select * from Customer OFFSET 4 LIMIT 2|"
			mu.Lock()
			defer mu.Unlock()
			slices.Sort(got) // pages in flight at once arrive in any order
			if strings.Join(got, ",") != want {
				t.Errorf("requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.ReplaceAll(want, ",", "\n"))
			}
		})
	}
}

// TestSetJSONPathIndex: a numeric segment of a body path is written as
// gjson reads it: an index into an array (created when absent), a key of
// an object.
func TestSetJSONPathIndex(t *testing.T) {
	for _, c := range []struct {
		body  string // the request's JSON body before, "" for none
		path  string
		want  string // the body after, or the error
		check string // gjson path reading the value back, "" for path
	}{
		{"", "search_after.0", `{"search_after":["v"]}`, ""},
		{`{"search_after":["a","b"]}`, "search_after.1", `{"search_after":["a","v"]}`, ""},
		{`{"search_after":["a"]}`, "search_after.1", `{"search_after":["a","v"]}`, ""},
		{`{"page":{"0":"a"}}`, "page.0", `{"page":{"0":"v"}}`, ""},
		{`{"q":[{"after":null}]}`, "q.0.after", `{"q":[{"after":"v"}]}`, ""},
		{"", "a.b", `{"a":{"b":"v"}}`, ""},
		{"", "search_after.1", `"1": index 1 of an array that does not exist`, "-"},
		{`{"search_after":[]}`, "search_after.2", `"2": index 2 past the end of an array of 0 items`, "-"},
		{`{"search_after":["a"]}`, "search_after.x", `"x" in the request body's path is no index of an array`, "-"},
		{`{"a":"text"}`, "a.b", `"b" is set inside a string of the request body, want an object or an array`, "-"},
		{"", "search_after.01", `{"search_after":{"01":"v"}}`, "search_after.01"},
	} {
		req := get(t, "https://api.test/_search")
		if c.body != "" {
			var v any
			if err := json.Unmarshal([]byte(c.body), &v); err != nil {
				t.Fatal(err)
			}
			req.JSON = v
		}
		err := setJSONPath(req, c.path, "v")
		if c.check == "-" {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s on %s: err %v, want %s", c.path, c.body, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s on %s: %v", c.path, c.body, err)
			continue
		}
		got, _ := json.Marshal(req.JSON)
		if string(got) != c.want {
			t.Errorf("%s on %s: %s, want %s", c.path, c.body, got, c.want)
		}
		read := c.path
		if c.check != "" {
			read = c.check
		}
		if v := gjson.GetBytes(got, read); v.String() != "v" {
			t.Errorf("%s: gjson reads %s back from %s", read, v.Raw, got)
		}
	}
}

// TestCursorJSON: a cursor that is an array goes back into the body with
// its JSON type, numbers as written (a 64-bit sort value a float would
// round); the same array written with other spaces is the same cursor
// (a loop); a cursor that changes type, or an array sent as a query
// parameter, fails naming the setting.
func TestCursorJSON(t *testing.T) {
	newES := func(set func(*PaginatorConfig)) Paginator {
		pg, err := NewPaginator(pcfg("cursor", func(c *PaginatorConfig) {
			c.CursorPath, c.CursorParam, c.CursorBodyPath = "hits.hits.@reverse.0.sort", "", "search_after"
			if set != nil {
				set(c)
			}
		}), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return pg
	}
	page := func(sort string) *Response {
		return &Response{Body: []byte(`{"hits":{"total":{"value":10000,"relation":"gte"},"hits":[{"_id":"a","sort":[1,"x"]},{"_id":"b","sort":` + sort + `}]}}`)}
	}
	pg := newES(nil)
	req := get(t, "https://api.test/logs/_search")
	req.JSON = map[string]any{"size": 2}
	pg.Init(req)
	if more, err := pg.Next(req, page(`[1704164705000, "evt-2", 9007199254740993]`), recs(2)); !more || err != nil {
		t.Fatalf("more %v, err %v", more, err)
	}
	if got, _ := json.Marshal(req.JSON); string(got) != `{"search_after":[1704164705000,"evt-2",9007199254740993],"size":2}` {
		t.Errorf("body %s", got)
	}
	if more, err := pg.Next(req, page(`[1704164765000,"evt-4",{"k":1,"a":[]}]`), recs(2)); !more || err != nil {
		t.Fatalf("object inside: more %v, err %v", more, err)
	}
	_, err := pg.Next(req, page(`[ 1704164705000 , "evt-2" , 9007199254740993 ]`), recs(2))
	if !errors.Is(err, ErrLoop) || !strings.Contains(err.Error(), `cursor "[1704164705000,\"evt-2\",9007199254740993]" seen before`) {
		t.Errorf("repeat: %v", err)
	}

	pg = newES(nil)
	pg.Init(req)
	pg.Next(req, page(`[1,"a"]`), recs(2))
	_, err = pg.Next(req, page(`"1|a"`), recs(2))
	if err == nil || !strings.Contains(err.Error(), `cursor_path "hits.hits.@reverse.0.sort" is string "1|a", want an array, as on the first page: the API changed the cursor's type on page 2`) {
		t.Errorf("type change: %v", err)
	}

	pg = newES(nil)
	pg.Init(req)
	if more, err := pg.Next(req, page(`[]`), recs(2)); more || err != nil {
		t.Errorf("empty sort: more %v, err %v; want the end", more, err)
	}

	pg = newES(func(c *PaginatorConfig) { c.CursorParam, c.CursorBodyPath = "search_after", "" })
	pg.Init(req)
	_, err = pg.Next(req, page(`[1,"a"]`), recs(2))
	if err == nil || !strings.Contains(err.Error(), `is array [1,"a"]: a cursor that is JSON goes back in a JSON request body with its type (Elasticsearch's search_after): set cursor_body_path instead of cursor_param "search_after"`) {
		t.Errorf("array in a query parameter: %v", err)
	}
}

// TestPagerValuesCursor: {paginator.cursor} of a cursor walk. The first
// request, which has no cursor, leaves out the parameter and the header
// whose whole value is the placeholder and sends null for a JSON value
// that is exactly it; later pages send the cursor there, and cursor_param
// is never sent. Inside other text it fails on the first page.
func TestPagerValuesCursor(t *testing.T) {
	pg, err := NewPaginator(pcfg(KindCursor, func(c *PaginatorConfig) {
		c.CursorPath, c.CursorParam, c.Placed = "next", "cursor", []string{ValueCursor}
	}), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := &Request{Method: http.MethodPost, URL: mustURL(t, "https://api.test/docs?c="+url.QueryEscape(Slot("cursor"))+"&q=1"),
		Header: http.Header{"X-Continuation": {Slot("cursor")}}, JSON: map[string]any{"continuation": Slot("cursor")}}
	req.capture()
	if err := pg.Init(req); err != nil {
		t.Fatal(err)
	}
	if err := req.fill(); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(req.JSON)
	if q := req.URL.Query(); q.Has("c") || q.Get("q") != "1" || req.Header.Get("X-Continuation") != "" || string(body) != `{"continuation":null}` {
		t.Errorf("first request: query %v, header %q, body %s; want no c, no header, null", q, req.Header.Get("X-Continuation"), body)
	}
	next := req.Clone()
	more, err := pg.Next(next, &Response{Body: []byte(`{"items":[1],"next":"tok/2+="}`)}, recs(1))
	if err == nil {
		err = next.fill()
	}
	if !more || err != nil {
		t.Fatalf("page 1: more %v, err %v", more, err)
	}
	body, _ = json.Marshal(next.JSON)
	if q := next.URL.Query(); q.Get("c") != "tok/2+=" || q.Has("cursor") || next.Header.Get("X-Continuation") != "tok/2+=" || string(body) != `{"continuation":"tok/2+="}` {
		t.Errorf("second request: query %v, header %q, body %s; want the cursor in c, the header and the body only", q, next.Header.Get("X-Continuation"), body)
	}

	inText := &Request{Method: http.MethodGet, URL: mustURL(t, "https://api.test/docs"), Header: http.Header{"Range": {"id ]" + Slot("cursor")}}}
	pg2, _ := NewPaginator(pcfg(KindHeaderCursor, func(c *PaginatorConfig) { c.CursorKey, c.Placed = "Next-Range", []string{ValueCursor} }), nil, nil)
	inText.capture()
	if err := pg2.Init(inText); err != nil {
		t.Fatal(err)
	}
	if err := inText.fill(); err == nil || !strings.Contains(err.Error(), "no value on the first page") {
		t.Errorf("cursor inside text: err %v, want one saying it has no value on the first page", err)
	}
}

// TestPlacedOffsetTotals: with {paginator.offset} paging a query
// language, a count the first answer shows equal to its records is that
// query's (Salesforce SOQL's totalSize, LIMIT and OFFSET applied: 2, 2,
// then 1) and holds nothing, while a count above them is the
// collection's total, held as without the placeholder: a record deleted
// mid-walk fails the run.
func TestPlacedOffsetTotals(t *testing.T) {
	walk := func(bodies ...string) error {
		t.Helper()
		pg, err := NewPaginator(pcfg("offset", func(c *PaginatorConfig) { c.Limit, c.Placed = 2, []string{ValueOffset, ValueLimit} }), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := get(t, "https://api.test/query")
		pg.Init(req)
		for i, b := range bodies {
			recs := gjson.Get(b, "records").Array()
			more, err := pg.Next(req, &Response{Body: []byte(b)}, recs)
			if err != nil || !more {
				if i != len(bodies)-1 && err == nil {
					t.Fatalf("page %d ended the walk", i+1)
				}
				return err
			}
		}
		t.Fatal("the walk did not end")
		return nil
	}
	// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
	if err := walk(`{"totalSize":2,"done":true,"records":[{"Id":1},{"Id":2}]}`, `{"totalSize":2,"done":true,"records":[{"Id":3},{"Id":4}]}`, `{"totalSize":1,"done":true,"records":[{"Id":5}]}`); err != nil {
		t.Errorf("per-query counts: %v, want the walk to end at the short page", err)
	}
	err := walk(`{"total":5,"records":[{"Id":1},{"Id":2}]}`, `{"total":4,"records":[{"Id":4},{"Id":5}]}`)
	if !errors.Is(err, ErrShifted) || !strings.Contains(err.Error(), `body "total" was 5 and is 4`) {
		t.Errorf("a collection's total that changed: %v, want ErrShifted", err)
	}
}
