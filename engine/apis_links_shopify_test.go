package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

// shopifyProducts serves GET /admin/api/2024-01/products.json as Shopify
// documents it ("Product" resource,
// https://shopify.dev/docs/api/admin-rest/2024-01/resources/product, and
// "Make paginated requests to the REST Admin API",
// https://shopify.dev/docs/api/admin-rest/usage/pagination):
// {"products": [...]} with variants, options and images inside; limit
// (default 50, max 250); a Link header with rel="previous" and
// rel="next" in one field whose URLs carry an opaque page_info and the
// limit; a request with page_info may carry no parameter but limit and
// fields (a 400 otherwise); no Link header when one page holds all. The
// token goes in X-Shopify-Access-Token (401 {"errors": "[API] Invalid API
// key or access token ..."}); a 429 carries Retry-After: 2.0.
type shopifyProducts struct {
	total     int
	mode      atomic.Value // string: "" or a hostile variant
	foreign   string
	throttled atomic.Int32
	rejected  atomic.Int32 // 400s for parameters sent with page_info
}

const shopifyToken = "shpat_S3CRET0123456789abcdef"

func shopifyID(n int) int64 { return 8072259322000 + int64(n) }

func (s *shopifyProducts) product(n int) string {
	id := shopifyID(n)
	var variants []string
	for v := 1; v <= 1+n%2; v++ {
		vid := id*10 + int64(v)
		variants = append(variants, fmt.Sprintf(`{"id":%d,"product_id":%d,"title":"Size %d","price":"%d.%02d","sku":"SKU-%d-%d","position":%d,"compare_at_price":null,"option1":"Size %d","option2":null,"option3":null,"taxable":true,"grams":%d,"weight":%d.25,"weight_unit":"lb","inventory_quantity":%d,"requires_shipping":true,"admin_graphql_api_id":"gid://shopify/ProductVariant/%d"}`,
			vid, id, v, 10+n, v*5, n, v, v, v, 100*v, v, n*v-1, vid))
	}
	return fmt.Sprintf(`{"id":%d,"title":"Product %d","body_html":"<p>It's the <em>best</em> %d</p>","vendor":"Acme","product_type":"Widgets","created_at":"2024-01-0%dT09:28:43-05:00","handle":"product-%d","updated_at":"2024-02-0%dT10:00:00-05:00","published_at":null,"template_suffix":null,"published_scope":"global","tags":"Emotive, Flash Memory","status":"active","admin_graphql_api_id":"gid://shopify/Product/%d","variants":[%s],"options":[{"id":%d,"product_id":%d,"name":"Size","position":1,"values":["Size 1","Size 2"]}],"images":[],"image":null}`,
		id, n, n, 1+n%9, n, 1+n%9, id, strings.Join(variants, ","), id*100, id)
}

func (s *shopifyProducts) pageInfo(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"direction":"next","last_id":%d}`, offset)))
}

func (s *shopifyProducts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode, _ := s.mode.Load().(string)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Shopify-Shop-Api-Call-Limit", "1/40")
	if r.Header.Get("X-Shopify-Access-Token") != shopifyToken {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`)
		return
	}
	if r.URL.Path != "/admin/api/2024-01/products.json" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errors":"Not Found"}`)
		return
	}
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 250 {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"errors":{"limit":"Invalid value."}}`)
			return
		}
		limit = n
	}
	offset := 0
	if pi := q.Get("page_info"); pi != "" {
		for k := range q {
			if k != "page_info" && k != "limit" && k != "fields" {
				s.rejected.Add(1)
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"errors":{"page_info":"Invalid value: %s cannot be passed when page_info is present."}}`, k)
				return
			}
		}
		raw, err := base64.RawURLEncoding.DecodeString(pi)
		if err != nil || !strings.HasPrefix(string(raw), `{"direction":"next","last_id":`) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"errors":{"page_info":"Invalid value."}}`)
			return
		}
		offset, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(string(raw), `{"direction":"next","last_id":`), "}"))
	} else if q.Get("status") != "active" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"errors":{"status":"missing in this fake: the spec sends status=active"}}`)
		return
	}
	if mode == "throttle" && offset > 0 && s.throttled.Add(1) == 1 {
		w.Header().Set("Retry-After", "2.0")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}`)
		return
	}
	var items []string
	to := min(offset+limit, s.total)
	for n := offset + 1; n <= to; n++ {
		items = append(items, s.product(n))
	}
	base := "http://" + r.Host + r.URL.Path
	var links []string
	if offset > 0 {
		links = append(links, fmt.Sprintf(`<%s?limit=%d&page_info=%s>; rel="previous"`, base, limit, s.pageInfo(max(offset-limit, 0))))
	}
	if to < s.total {
		next := fmt.Sprintf(`<%s?limit=%d&page_info=%s>; rel="next"`, base, limit, s.pageInfo(to))
		switch {
		case mode == "foreign" && offset > 0:
			next = strings.Replace(next, "http://"+r.Host, s.foreign, 1)
		case mode == "unquoted":
			// As the docs' syntax line writes it: rel=next, no quotes,
			// previous after next, no space after the comma.
			next = fmt.Sprintf(`<%s?limit=%d&page_info=%s>; rel=next`, base, limit, s.pageInfo(to))
			links = append([]string{next}, links...)
			next = ""
		}
		if next != "" {
			links = append(links, next)
		}
	}
	sep := ", "
	if mode == "unquoted" {
		sep = ","
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, sep))
	}
	fmt.Fprint(w, `{"products":[`+strings.Join(items, ",")+`]}`)
}

var shopifyCols = []string{"id", "title", "body_html", "vendor", "product_type", "created_at", "handle", "updated_at", "published_scope", "tags", "status", "admin_graphql_api_id"}

var shopifyVariantCols = []string{"id", "product_id", "title", "price", "sku", "position", "option1", "taxable", "grams", "weight", "weight_unit", "inventory_quantity", "requires_shipping", "admin_graphql_api_id"}

// shopifyWant is what the fake served for products 1..total: products,
// their variants and their options' values, in id order.
func shopifyWant(total int) (products, variants, values []string) {
	for n := 1; n <= total; n++ {
		id := shopifyID(n)
		day := 1 + n%9
		products = append(products, fmt.Sprintf("%d|'Product %d'|'<p>It''s the <em>best</em> %d</p>'|'Acme'|'Widgets'|'2024-01-0%dT14:28:43.000000000Z'|'product-%d'|'2024-02-0%dT15:00:00.000000000Z'|'global'|'Emotive, Flash Memory'|'active'|'gid://shopify/Product/%d'",
			id, n, n, day, n, day, id))
		for v := 1; v <= 1+n%2; v++ {
			vid := id*10 + int64(v)
			variants = append(variants, fmt.Sprintf("%d|%d|'Size %d'|'%d.%02d'|'SKU-%d-%d'|%d|'Size %d'|1|%d|%d.25|'lb'|%d|1|'gid://shopify/ProductVariant/%d'",
				vid, id, v, 10+n, v*5, n, v, v, v, 100*v, v, n*v-1, vid))
		}
		values = append(values, fmt.Sprintf("%d|'Size 1'", id), fmt.Sprintf("%d|'Size 2'", id))
	}
	return products, variants, values
}

// TestShopifyProductsLoadExactly follows page_info links (rel="next"
// beside rel="previous", quoted or not) without adding the spec's params
// to them, as Shopify requires: every product once, its variants and
// option values as child rows, prices kept as the text Shopify sends.
func TestShopifyProductsLoadExactly(t *testing.T) {
	for _, mode := range []string{"", "unquoted", "throttle"} {
		t.Run("mode="+mode, func(t *testing.T) {
			api := &shopifyProducts{total: 5}
			api.mode.Store(mode)
			srv := newLinksServer(t, shopifyToken, api)
			db := filepath.Join(t.TempDir(), "shopify.db")
			if _, err := linksLoad(t, "shopify", srv.URL, db, map[string]string{"SHOPIFY_ACCESS_TOKEN": shopifyToken}); err != nil {
				t.Fatal(err)
			}
			products, variants, values := shopifyWant(5)
			linksCompare(t, "products", linksTable(t, db, "products", "id", shopifyCols...), products)
			linksCompare(t, "products__variants", linksTable(t, db, "products__variants", "id", shopifyVariantCols...), variants)
			linksCompare(t, "products__options__values", linksRows(t, db, `SELECT quote(p.id)||'|'||quote(v.value) FROM products__options__values v JOIN products__options o ON v._pipe_parent_id = o._pipe_id JOIN products p ON o._pipe_parent_id = p._pipe_id ORDER BY p.id, v._pipe_list_idx`), values)
			if n := api.rejected.Load(); n != 0 {
				t.Errorf("%d requests sent other params with page_info", n)
			}
		})
	}
}

// TestShopifyHostileLinks: a next link to another shop's host fails before
// anything is sent there; a bad token fails naming the resource and the
// URL, never the token; nothing is loaded.
func TestShopifyHostileLinks(t *testing.T) {
	runHostileLinks(t, linksVendor{name: "shopify", table: "products", cred: shopifyToken, empty: `{"products":[]}`,
		env: func(cred string) map[string]string { return map[string]string{"SHOPIFY_ACCESS_TOKEN": cred} },
		api: func(foreign, mode string) http.Handler {
			a := &shopifyProducts{total: 5, foreign: foreign}
			a.mode.Store(mode)
			return a
		},
	}, []linksHostile{
		{mode: "foreign", sentinel: rest.ErrOutOfScope, msgs: []string{`resource "products": page 3: GET http://127.0.0.1:`, "/admin/api/2024-01/products.json?limit=2&page_info=", "origin not allowed"}},
		{cred: "shpat_wrong", sentinel: rest.ErrUnauthorized, msgs: []string{`resource "products": page 1: GET http://api.test/admin/api/2024-01/products.json?limit=2&status=active`, "401"}},
	})
}
