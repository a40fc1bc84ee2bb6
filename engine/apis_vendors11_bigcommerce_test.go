package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/rest"
)

const bigcommerceToken = "k9c0bq1t2v3w4x5y6z7a8b9c0d1e2f3"

func bigcommerceEnv() map[string]string {
	return map[string]string{"BIGCOMMERCE_ACCESS_TOKEN": bigcommerceToken}
}

// bigcommerceAPI serves GET /stores/{hash}/v3/catalog/products as
// BigCommerce documents it (https://developer.bigcommerce.com/docs/rest-catalog/products,
// https://developer.bigcommerce.com/docs/start/about/rate-limits,
// https://developer.bigcommerce.com/docs/start/authentication/api-accounts):
// the X-Auth-Token header (401 {"status": 401, "title": "Unauthorized"}
// without it); limit (50, at most 250), page (from 1), include=variants,
// date_modified:min (products modified at or after it); {"data": [...],
// "meta": {"pagination": {"total", "count", "per_page", "current_page",
// "total_pages", "links": {"previous", "current", "next"}}}}, each link a
// query string alone ("?page=2&limit=50"), next absent on the last page;
// past the quota, 429 with X-Rate-Limit-Time-Reset-Ms (milliseconds
// until the window resets), X-Rate-Limit-Time-Window-Ms,
// X-Rate-Limit-Requests-Left and X-Rate-Limit-Requests-Quota, and no
// Retry-After.
//
// mode: "bare" (the links carry page and limit only, not the request's
// other parameters), "elsewhere" (next is an absolute URL on another
// host), "grown" (a product is created before page 2 is served), "limit"
// (the first request for page 2 starts a 15 s window of 429s, measured on
// the run's clock: the waits it asks for).
type bigcommerceAPI struct {
	mode     string
	other    string
	mu       sync.Mutex
	requests int
	queries  []url.Values
	grown    bool
	clock    time.Duration // the run's waits so far
	limitAt  time.Duration // when the 429 window started, -1 before
	products []map[string]any
}

func newBigCommerceAPI(mode string) *bigcommerceAPI {
	a := &bigcommerceAPI{mode: mode, limitAt: -1}
	for i := 1; i <= 5; i++ {
		a.products = append(a.products, bigcommerceProduct(110+i, i, time.Date(2024, 3, i, 10, 0, 0, 0, time.UTC)))
	}
	return a
}

func bigcommerceProduct(id, n int, modified time.Time) map[string]any {
	variants := []map[string]any{}
	for v := 1; v <= n%3; v++ {
		variants = append(variants, map[string]any{"id": 1000*id + v, "product_id": id, "sku": fmt.Sprintf("SKU-%d-%d", id, v),
			"price": json.Number(fmt.Sprintf("%d.95", 10+v)), "inventory_level": 10 * v, "option_values": []map[string]any{{"id": 70 + v, "label": []string{"Small", "Large"}[v-1], "option_display_name": "Size"}}})
	}
	return map[string]any{
		"id": id, "name": fmt.Sprintf("[Sample] Orbit Terrarium %d", n), "type": "physical", "sku": fmt.Sprintf("OTS-%d", n),
		"price": json.Number(fmt.Sprintf("%d.00", 100+n)), "weight": json.Number("1"), "is_visible": n%2 == 1, "categories": []int{23, 21},
		"date_created": "2024-01-02T08:00:00+00:00", "date_modified": modified.Format("2006-01-02T15:04:05+00:00"), "variants": variants,
	}
}

// tune makes the run's waits the fake's clock.
func (a *bigcommerceAPI) tune(o *engine.Options) {
	o.Sleep = func(_ context.Context, d time.Duration) error {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.clock += d
		return nil
	}
}

func (a *bigcommerceAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if r.Header.Get("X-Auth-Token") != bigcommerceToken {
		curWrite(w, 401, `{"status": 401, "title": "Unauthorized", "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"}`)
		return
	}
	if r.URL.Path != "/stores/abc123xyz/v3/catalog/products" {
		curWrite(w, 404, `{"status": 404, "title": "Not Found"}`)
		return
	}
	q := r.URL.Query()
	page, limit := curQueryInt(q, "page", 1), min(curQueryInt(q, "limit", 50), 250)
	if a.mode == "limit" && page == 2 && (a.limitAt < 0 || a.clock-a.limitAt < 15*time.Second) {
		if a.limitAt < 0 {
			a.limitAt = a.clock
		}
		left := 15*time.Second - (a.clock - a.limitAt)
		w.Header().Set("X-Rate-Limit-Time-Reset-Ms", strconv.FormatInt(left.Milliseconds(), 10))
		w.Header().Set("X-Rate-Limit-Time-Window-Ms", "30000")
		w.Header().Set("X-Rate-Limit-Requests-Left", "0")
		w.Header().Set("X-Rate-Limit-Requests-Quota", "150")
		curWrite(w, 429, `{"status": 429, "title": "Too many requests"}`)
		return
	}
	a.queries = append(a.queries, q)
	if a.mode == "grown" && page == 2 && !a.grown {
		a.grown = true
		a.products = append([]map[string]any{bigcommerceProduct(100, 9, time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC))}, a.products...)
	}
	list := a.products
	if min := q.Get("date_modified:min"); min != "" {
		since, err := time.Parse(time.RFC3339, min)
		if err != nil {
			curWrite(w, 422, `{"status": 422, "title": "Input is invalid", "errors": {"date_modified:min": "must be a date"}}`)
			return
		}
		list = nil
		for _, p := range a.products {
			m, _ := time.Parse(time.RFC3339, p["date_modified"].(string))
			if !m.Before(since) {
				list = append(list, p)
			}
		}
	}
	from := min((page-1)*limit, len(list))
	to := min(from+limit, len(list))
	pages := max((len(list)+limit-1)/limit, 1)
	link := func(p int) string {
		lq := url.Values{}
		if a.mode != "bare" {
			for k, v := range q {
				lq[k] = v
			}
		}
		lq.Set("page", strconv.Itoa(p))
		lq.Set("limit", strconv.Itoa(limit))
		return "?" + lq.Encode()
	}
	links := map[string]any{"current": link(page)}
	if page > 1 {
		links["previous"] = link(page - 1)
	}
	if page < pages {
		links["next"] = link(page + 1)
		if a.mode == "elsewhere" {
			links["next"] = a.other + "/stores/abc123xyz/v3/catalog/products?page=2&limit=2"
		}
	}
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	curWrite(w, 200, curJSON(map[string]any{"data": items, "meta": map[string]any{"pagination": map[string]any{
		"total": len(list), "count": len(items), "per_page": limit, "current_page": page, "total_pages": pages, "links": links, "too_many": false,
	}}}))
}

const (
	bigcommerceProductQuery = `SELECT id, name, price, typeof(price), is_visible, date_modified FROM products ORDER BY id`
	bigcommerceVariantQuery = `SELECT p.id, v.id, v.sku, v.price, o.label FROM products p JOIN products__variants v ON v._pipe_parent_id = p._pipe_id JOIN products__variants__option_values o ON o._pipe_parent_id = v._pipe_id ORDER BY v.id`
)

func (a *bigcommerceAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var products, variants []string
	ps := append([]map[string]any(nil), a.products...)
	sort.Slice(ps, func(i, j int) bool { return ps[i]["id"].(int) < ps[j]["id"].(int) })
	for _, p := range ps {
		m, _ := time.Parse(time.RFC3339, p["date_modified"].(string))
		price, _ := p["price"].(json.Number).Float64()
		products = append(products, fmt.Sprintf("%v|%v|%v|real|%v|%s", p["id"], p["name"], price, p["is_visible"], m))
		for _, v := range p["variants"].([]map[string]any) {
			o := v["option_values"].([]map[string]any)[0]
			variants = append(variants, fmt.Sprintf("%v|%v|%v|%v|%v", p["id"], v["id"], v["sku"], v["price"], o["label"]))
		}
	}
	r.checkTable(t, bigcommerceProductQuery, products)
	r.checkTable(t, bigcommerceVariantQuery, variants)
	r.noSecret(t, bigcommerceToken)
}

// TestBigCommerceProducts: five products in pages of two by the
// relative links.next query string, under meta.pagination.total; each
// product's variants and their option values as child tables; then,
// incremental by date_modified:min, a second run after product 113 is
// repriced gets it (and the boundary product 115, skipped) and merges
// it.
func TestBigCommerceProducts(t *testing.T) {
	api := newBigCommerceAPI("")
	srv := newVendorOrigin(t, api)
	db := t.TempDir() + "/bigcommerce.db"
	r := curRunText(t, "bigcommerce", "", srv.srv.URL, db, bigcommerceEnv())
	r.mustLoad(t)
	api.check(t, r)
	if len(api.queries) != 3 || api.queries[0].Get("date_modified:min") != "2024-01-01T00:00:00+00:00" || api.queries[2].Get("include") != "variants" {
		t.Fatalf("queries %v", api.queries)
	}
	api.mu.Lock()
	api.products[2]["price"] = json.Number("99.50")
	api.products[2]["date_modified"] = "2024-03-08T12:00:00+00:00"
	api.queries = nil
	api.mu.Unlock()
	r = curRunText(t, "bigcommerce", "", srv.srv.URL, db, bigcommerceEnv())
	r.mustLoad(t)
	api.check(t, r)
	if len(api.queries) != 1 || api.queries[0].Get("date_modified:min") != "2024-03-05T10:00:00+00:00" {
		t.Errorf("second run's queries %v, want one with date_modified:min=2024-03-05T10:00:00+00:00", api.queries)
	}
	if c := r.rep.Changes["products"]; c.Updated != 1 || c.Inserted != 0 {
		t.Errorf("second run's changes %+v, want 1 updated", c)
	}
}

// TestBigCommerceHostile: links that carry page and limit alone (the
// request's include and date_modified:min dropped) fail naming them; a
// next link to another host fails naming it and client.allowed_hosts,
// the other host getting nothing; a product created mid-walk moves
// meta.pagination.total and fails the run; each with nothing loaded.
func TestBigCommerceHostile(t *testing.T) {
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		curWrite(w, 200, `{"data": [], "meta": {"pagination": {"total": 5, "links": {}}}}`)
	}))
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"bare", nil, []string{`resource "products"`, "date_modified:min", "include"}},
		{"elsewhere", rest.ErrOutOfScope, []string{`resource "products"`, strings.TrimPrefix(other.srv.URL, "http://"), "client.allowed_hosts"}},
		{"grown", rest.ErrShifted, []string{`resource "products"`, "meta.pagination.total"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newBigCommerceAPI(c.mode)
			api.other = other.srv.URL
			r, srvURL := curServe(t, api, "bigcommerce", "", bigcommerceEnv())
			r.failedClean(t, srvURL, c.sentinel, bigcommerceToken, []string{"products", "products__variants"}, c.parts...)
			t.Log(r.err)
		})
	}
	if n := other.requests(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

// TestBigCommerceRateLimitResetMs: BigCommerce's 429 says how long to
// wait in X-Rate-Limit-Time-Reset-Ms (15000) and sends no Retry-After.
// pipe should wait those 15 s once and load everything; it does not read
// the header, so its backoff (1 s, 2 s, 4 s, 8 s with full jitter, at
// most 15 s in all) runs out of attempts inside the window and the run
// fails.
func TestBigCommerceRateLimitResetMs(t *testing.T) {
	api := newBigCommerceAPI("limit")
	r, _ := curServe(t, api, "bigcommerce", "", bigcommerceEnv(), api.tune)
	r.mustLoad(t)
	api.check(t, r)
	if api.clock != 15*time.Second || api.requests != 4 {
		t.Errorf("waited %v in %d requests, want 15s in 4", api.clock, api.requests)
	}
}
