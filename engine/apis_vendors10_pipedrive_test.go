package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine"
)

const pipedriveToken = "9f3b2c1d0e8a7f6b5c4d3e2f1a0b9c8d7e6f5a4b"

// pipedriveCustomKey is a custom field's key as Pipedrive names it: the
// 40-character hash of the field, the same in every deal.
const pipedriveCustomKey = "dcf558aac1ae4e8c4f849ba5e668430d8df9be12"

// pipedriveAPI serves GET /api/v1/deals and /api/v1/deals/{id}/products as
// Pipedrive documents them (https://pipedrive.readme.io/docs/core-api-concepts-pagination,
// https://pipedrive.readme.io/docs/core-api-concepts-responses,
// https://developers.pipedrive.com/docs/api/v1/Deals#getDeals): the
// api_token query parameter, else 401 {"success": false, "error":
// "unauthorized access", "errorCode": 401, "error_info": …}; start (0) and
// limit (100, at most 500); {"success": true, "data": [...] or null,
// "additional_data": {"pagination": {"start", "limit",
// "more_items_in_collection", "next_start"}}}, next_start only while more
// items follow; a deal list with no deals is "data": null.
//
// mode: "error200" (the second deals page is {"success": false, …} on a
// 200), "more" (the last page of deals still says
// more_items_in_collection true, and the page after it is "data": null
// saying the same), "nostart" (the start parameter is ignored: every
// request gets the first page; "nostart-echo" the same, the pagination
// object echoing the start asked), "redirect" (every request is redirected
// to other, its query kept, as a moved company domain would be), "fail"
// (deal 3's products answer 500 every time), "cap" (at most 2 items a
// page whatever limit asks: the documented maximum of 500, at a small
// scale).
type pipedriveAPI struct {
	mode     string
	other    string
	mu       sync.Mutex
	requests int
	badAuth  int
	deals    []map[string]any
	products map[int][]map[string]any
}

func newPipedriveAPI(mode string) *pipedriveAPI {
	a := &pipedriveAPI{mode: mode, products: map[int][]map[string]any{}}
	for i := 1; i <= 5; i++ {
		var org any // a deal without an organization has org_id null
		if i%2 == 1 {
			org = map[string]any{"name": fmt.Sprintf("Org %d", i), "people_count": i, "owner_id": 42, "active_flag": true, "value": 100 + i}
		}
		a.deals = append(a.deals, map[string]any{
			"id": i, "title": fmt.Sprintf("Deal %d", i), "value": 1000*i + i/2, "currency": "EUR",
			"add_time": fmt.Sprintf("2024-01-0%d 10:44:11", i), "status": []string{"open", "won"}[i%2],
			"probability": nil, "active": i%2 == 1, "org_id": org,
			"person_id": map[string]any{"name": fmt.Sprintf("Person %d", i), "value": 200 + i,
				"email": []map[string]any{{"label": "work", "value": fmt.Sprintf("p%d@example.com", i), "primary": true}}},
			pipedriveCustomKey: fmt.Sprintf("custom %d", i),
		})
	}
	a.products[1] = []map[string]any{
		{"id": 11, "deal_id": 1, "product_id": 7, "name": "Widget", "item_price": 12.5, "quantity": 3, "sum": 37.5},
		{"id": 12, "deal_id": 1, "product_id": 8, "name": "Gadget", "item_price": 0.1, "quantity": 1, "sum": 0.1},
		{"id": 13, "deal_id": 1, "product_id": 7, "name": "Widget", "item_price": 12.5, "quantity": 1, "sum": 12.5},
	}
	a.products[3] = []map[string]any{{"id": 11, "deal_id": 3, "product_id": 9, "name": "Sprocket", "item_price": 3, "quantity": 2, "sum": 6}}
	return a
}

func (a *pipedriveAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	q := r.URL.Query()
	if q.Get("api_token") != pipedriveToken {
		a.badAuth++
		curWrite(w, 401, `{"success":false,"error":"unauthorized access","errorCode":401,"error_info":"Please check developers.pipedrive.com for more information about Pipedrive API."}`)
		return
	}
	if a.mode == "redirect" {
		http.Redirect(w, r, a.other+r.URL.RequestURI(), http.StatusMovedPermanently)
		return
	}
	start := curQueryInt(q, "start", 0)
	limit := min(curQueryInt(q, "limit", 100), 500)
	if a.mode == "cap" {
		limit = min(limit, 2) // the documented cap of 500, at a small scale
	}
	asked := start // what the pagination object echoes
	switch a.mode {
	case "nostart":
		start, asked = 0, 0
	case "nostart-echo":
		start = 0
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v1/")
	var list []map[string]any
	switch {
	case path == "deals":
		if q.Get("status") != "all_not_deleted" {
			curWrite(w, 400, `{"success":false,"error":"status must be one of open, won, lost, deleted, all_not_deleted"}`)
			return
		}
		if a.mode == "error200" && start > 0 {
			curWrite(w, 200, `{"success":false,"error":"Requested service is not available","error_info":"Please check developers.pipedrive.com","data":null,"additional_data":null}`)
			return
		}
		list = a.deals
	case strings.HasPrefix(path, "deals/") && strings.HasSuffix(path, "/products"):
		id, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(path, "deals/"), "/products"))
		if err != nil {
			curWrite(w, 404, `{"success":false,"error":"Deal not found","errorCode":404}`)
			return
		}
		if a.mode == "fail" && id == 3 {
			curWrite(w, 500, `{"success":false,"error":"Internal server error","errorCode":500}`)
			return
		}
		list = a.products[id]
	default:
		curWrite(w, 404, `{"success":false,"error":"Unknown method .","errorCode":404}`)
		return
	}
	from := min(start, len(list))
	to := min(from+limit, len(list))
	more := to < len(list) || (a.mode == "more" && path == "deals")
	pag := map[string]any{"start": asked, "limit": limit, "more_items_in_collection": more}
	if more {
		pag["next_start"] = to
	}
	var data any // Pipedrive sends null, not [], for no items
	if to > from {
		data = list[from:to]
	}
	curWrite(w, 200, curJSON(map[string]any{"success": true, "data": data, "additional_data": map[string]any{"pagination": pag}}))
}

func pipedriveEnv() map[string]string {
	return map[string]string{"PIPEDRIVE_API_TOKEN": pipedriveToken}
}

const (
	pipedriveDealQuery    = `SELECT id, typeof(id), title, value, currency, add_time, status, active, org_id__name, org_id__value, person_id__name, ` + pipedriveCustomKey + ` FROM deals ORDER BY id`
	pipedriveEmailQuery   = `SELECT d.id, e.label, e.value, e."primary" FROM deals d JOIN deals__person_id__email e ON e._pipe_parent_id = d._pipe_id ORDER BY d.id`
	pipedriveProductQuery = `SELECT _deals_id, id, name, item_price, typeof(item_price), quantity, sum FROM deal_products ORDER BY _deals_id, id`
)

// want returns the rows the three queries should read back.
func (a *pipedriveAPI) want() (deals, emails, products []string) {
	for _, d := range a.deals {
		orgName, orgValue := "<nil>", "<nil>"
		if o, ok := d["org_id"].(map[string]any); ok {
			orgName, orgValue = fmt.Sprint(o["name"]), fmt.Sprint(o["value"])
		}
		p := d["person_id"].(map[string]any)
		deals = append(deals, fmt.Sprintf("%v|integer|%v|%v|EUR|%v +0000 UTC|%v|%v|%s|%s|%v|%v", d["id"], d["title"], d["value"], d["add_time"], d["status"], d["active"], orgName, orgValue, p["name"], d[pipedriveCustomKey]))
		e := p["email"].([]map[string]any)[0]
		emails = append(emails, fmt.Sprintf("%v|%v|%v|true", d["id"], e["label"], e["value"]))
	}
	for _, id := range []int{1, 3} {
		for _, p := range a.products[id] {
			// item_price is a double column: Sprocket's 3 is stored as 3.0
			products = append(products, fmt.Sprintf("%d|%v|%v|%v|real|%v|%v", id, p["id"], p["name"], p["item_price"], p["quantity"], p["sum"]))
		}
	}
	return deals, emails, products
}

// TestPipedriveDeals: five deals in pages of two (start 0, 2, 4), the
// products of each (deal 1's three in two pages, deal 3's one, "data":
// null for the others), one product id under two deals kept apart by
// [id, _deals_id]; every value as served (org_id null or an object,
// person_id's emails as a child table, the custom field's hash key as a
// column), and the token only in the api_token parameter of requests to
// the API, never in the error, logs or database.
func TestPipedriveDeals(t *testing.T) {
	api := newPipedriveAPI("")
	r, _ := curServe(t, api, "pipedrive", "", pipedriveEnv())
	r.mustLoad(t)
	deals, emails, products := api.want()
	r.checkTable(t, pipedriveDealQuery, deals)
	r.checkTable(t, pipedriveEmailQuery, emails)
	r.checkTable(t, pipedriveProductQuery, products)
	// deals: 3 pages; products: 2 pages for deal 1, 1 for each other deal
	if api.requests != 3+2+4 || api.badAuth != 0 {
		t.Errorf("%d requests (%d without the token), want 9 (0)", api.requests, api.badAuth)
	}
	r.noSecret(t, pipedriveToken)
}

// TestPipedriveSample: a sample run (pipe run --sample 2) records its
// requests without the api_token parameter (the auth's own query
// parameter is left out of every URL pipe prints).
func TestPipedriveSample(t *testing.T) {
	api := newPipedriveAPI("")
	r, srvURL := curServe(t, api, "pipedrive", "", pipedriveEnv(), func(o *engine.Options) { o.SamplePages = 2 })
	r.mustLoad(t)
	n := 0
	for name, s := range r.rep.Resources {
		if s.Sample == nil {
			t.Fatalf("resource %s: no sample", name)
		}
		for _, a := range s.Sample.Requests {
			n++
			if strings.Contains(a.URL, pipedriveToken) || !strings.HasPrefix(a.URL, srvURL+"/api/v1/deals") {
				t.Errorf("sample request %s", a.URL)
			}
		}
	}
	if n == 0 {
		t.Error("the sample recorded no requests")
	}
	r.noSecret(t, pipedriveToken)
}

// TestPipedriveHostile: what a Pipedrive server may do wrong ends with a
// specific error, nothing loaded and the token nowhere.
func TestPipedriveHostile(t *testing.T) {
	tables := []string{"deals", "deal_products"}
	for _, c := range []struct {
		mode  string
		parts []string
	}{
		// {"success": false} on a 200: data null beside an error.
		{"error200", []string{`resource "deals"`, "start=2", "Requested service is not available", "response_actions"}},
		// the last page still says more, then an empty page says it again
		{"more", []string{`resource "deals"`, "more_items_in_collection"}},
		// start ignored: the first page again, byte for byte (the error
		// names no setting: see the report of round 10)
		{"nostart", []string{"start=2", "response identical to page 1"}},
		// start ignored, echoed: the same records
		{"nostart-echo", []string{"start=2", `offset_param "start"`}},
		{"fail", []string{`resource "deal_products"`, "/api/v1/deals/3/products", "500"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newPipedriveAPI(c.mode)
			r, srvURL := curServe(t, api, "pipedrive", "", pipedriveEnv())
			r.failedClean(t, srvURL, nil, pipedriveToken, tables, c.parts...)
			t.Log(r.err)
		})
	}
}

// TestPipedriveRedirectToAnotherHost: a 301 to another host, query (token
// included) kept, fails naming the host and client.allowed_hosts; the
// other host gets no request at all.
func TestPipedriveRedirectToAnotherHost(t *testing.T) {
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		curWrite(w, 200, `{"success":true,"data":[{"id":1}],"additional_data":{"pagination":{"more_items_in_collection":false}}}`)
	}))
	api := newPipedriveAPI("redirect")
	api.other = other.srv.URL
	r, srvURL := curServe(t, api, "pipedrive", "", pipedriveEnv())
	r.failedClean(t, srvURL, nil, pipedriveToken, []string{"deals"}, `resource "deals"`, "client.allowed_hosts")
	if n := other.requests(); n != 0 {
		t.Errorf("the other host got %d requests (%d with the token)", n, other.carrying(pipedriveToken))
	}
}

// TestPipedriveNextStartCursor: the spec a newcomer may write instead,
// next_start read as a cursor sent back as start, loads the same; and
// with no paginator at all (auto), pipe either follows next_start or
// fails naming it, never loads the first page alone.
func TestPipedriveNextStartCursor(t *testing.T) {
	paginator := `  paginator:
    type: offset
    limit: 2
    offset_param: start
    limit_param: limit
    has_more_path: additional_data.pagination.more_items_in_collection
`
	cursor := `  paginator: {type: cursor, cursor_path: additional_data.pagination.next_start, cursor_param: start}
  # limit 2 as a param below
`
	t.Run("cursor", func(t *testing.T) {
		text := curEdited(t, "pipedrive", paginator, cursor, "endpoint: {data_selector: data}", "endpoint: {data_selector: data, params: {limit: 2}}")
		api := newPipedriveAPI("")
		r, _ := curServe(t, api, "pipedrive", text, pipedriveEnv())
		r.mustLoad(t)
		deals, emails, products := api.want()
		r.checkTable(t, pipedriveDealQuery, deals)
		r.checkTable(t, pipedriveEmailQuery, emails)
		r.checkTable(t, pipedriveProductQuery, products)
	})
	t.Run("cursor last page says more", func(t *testing.T) {
		text := curEdited(t, "pipedrive", paginator, cursor, "endpoint: {data_selector: data}", "endpoint: {data_selector: data, params: {limit: 2}}")
		api := newPipedriveAPI("more")
		r, srvURL := curServe(t, api, "pipedrive", text, pipedriveEnv())
		r.failedClean(t, srvURL, nil, pipedriveToken, []string{"deals", "deal_products"}, `resource "deals"`, "start=5", "seen before", "next_start", `cursor_param "start"`)
	})
	t.Run("auto", func(t *testing.T) {
		text := curEdited(t, "pipedrive", paginator, "", "endpoint: {data_selector: data}", "endpoint: {data_selector: data, params: {limit: 2}}")
		api := newPipedriveAPI("")
		r, srvURL := curServe(t, api, "pipedrive", text, pipedriveEnv())
		if r.err == nil {
			t.Log("auto followed next_start")
			deals, _, products := api.want()
			r.checkTable(t, pipedriveDealQuery, deals)
			r.checkTable(t, pipedriveProductQuery, products)
			return
		}
		r.failedClean(t, srvURL, nil, pipedriveToken, []string{"deals", "deal_products"}, `resource "deals"`, "auto: body \"additional_data.pagination.")
		t.Log(r.err)
	})
}

// TestPipedriveLimitAboveCap: a spec whose limit is above Pipedrive's
// cap (limit: 3 against a cap of 2, as limit: 1000 against 500) and that
// reads no has_more_path gets a short first page whose
// additional_data.pagination.more_items_in_collection is true: the run
// must fail naming it (or follow it), never end the walk there.
func TestPipedriveLimitAboveCap(t *testing.T) {
	text := curEdited(t, "pipedrive", "    limit: 2\n", "    limit: 3\n",
		"    has_more_path: additional_data.pagination.more_items_in_collection\n", "")
	api := newPipedriveAPI("cap")
	r, srvURL := curServe(t, api, "pipedrive", text, pipedriveEnv())
	r.failedClean(t, srvURL, nil, pipedriveToken, []string{"deals", "deal_products"}, `resource "deals"`, "more_items_in_collection")
}

// TestPipedriveRedirectToAllowedHost: a 301 to a host the spec lists in
// client.allowed_hosts, its Location keeping the query and so the
// api_token, is followed without the token: the other host gets the
// request with no api_token and no other form of the token. It answers
// 401 as Pipedrive would, so the run fails naming that host.
func TestPipedriveRedirectToAllowedHost(t *testing.T) {
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("api_token") != pipedriveToken {
			curWrite(w, 401, `{"success":false,"error":"unauthorized access","errorCode":401}`)
			return
		}
		curWrite(w, 200, `{"success":true,"data":null,"additional_data":{"pagination":{"more_items_in_collection":false}}}`)
	}))
	api := newPipedriveAPI("redirect")
	api.other = other.srv.URL
	host := strings.TrimPrefix(other.srv.URL, "http://")
	text := curEdited(t, "pipedrive", `  base_url: "{vars.api_url}/api/v1/"`, `  base_url: "{vars.api_url}/api/v1/"`+"\n  allowed_hosts: [\""+host+"\"]")
	r, srvURL := curServe(t, api, "pipedrive", text, pipedriveEnv())
	r.failedClean(t, srvURL, nil, pipedriveToken, []string{"deals", "deal_products"}, `resource "deals"`, "401")
	if other.requests() == 0 {
		t.Error("the allowed host got no request")
	}
	if n := other.carrying(pipedriveToken); n != 0 {
		t.Errorf("%d of %d requests to the allowed host carried the token", n, other.requests())
	}
	// the error names the allowed host that answered, not the API
	r.mustFail(t, srvURL, host)
}
