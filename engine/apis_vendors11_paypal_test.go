package engine_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const (
	paypalClientID     = "AdV4d6nLHabWLyemrw4BKdO9LjcnioNIOgoz7vD611ObbDUL0kJQfzrdhXEBwnH8QmV-7XZjvjRWn0kg"
	paypalClientSecret = "EPKoPC_haZMTq5uM9WXuzoxUVdgzVqHyD5avCyVC1NCIUJeVaNNUZMnzduYIqrdw-carG9LBAizFGMyK"
)

func paypalEnv() map[string]string {
	return map[string]string{"PAYPAL_CLIENT_ID": paypalClientID, "PAYPAL_CLIENT_SECRET": paypalClientSecret}
}

// paypalAPI serves PayPal's token endpoint, catalog products and billing
// plans as PayPal documents them:
//   - https://developer.paypal.com/api/rest/authentication/: POST
//     /v1/oauth2/token with the client id and secret as HTTP basic
//     credentials and grant_type=client_credentials in a form, answered
//     {"scope", "access_token", "token_type": "Bearer", "app_id",
//     "expires_in": 32400, "nonce"}; a wrong client is 401
//     {"error": "invalid_client", "error_description": "Client
//     Authentication failed"}; an API call without a valid token is 401
//     {"error": "invalid_token", "error_description": "Token signature
//     verification failed"} (expired: "Access Token not found in cache");
//   - https://developer.paypal.com/docs/subscriptions/full-integration/product-management/
//     and https://developer.paypal.com/docs/api/catalog-products/v1/#products_list:
//     GET /v1/catalogs/products?page_size=&page=&total_required=true,
//     page from 1, page_size default 10; {"total_items", "total_pages"
//     (only with total_required=true), "products": [{"id", "name",
//     "description", "create_time", "links"}], "links": [{"href", "rel",
//     "method"}]}: rel self, next while more pages follow, last; the
//     documented links carry page_size and page but not total_required;
//   - https://developer.paypal.com/docs/api/subscriptions/v1/#plans_list:
//     GET /v1/billing/plans?product_id=&page_size=&page=&total_required=
//     answers {"plans": [...], "total_items", "total_pages", "links"}.
//
// mode: "elsewhere" (the products' next link names other, another host),
// "self" (page 2 of the products links to itself as next), "expire" (the
// first token stops working after 2 API calls, as one that expires
// mid-walk), "grown" (a product is created, first in the list, before
// page 2 is served), "keeptotal" (the links keep total_required, and the
// product of "grown" is created before page 2).
type paypalAPI struct {
	mode       string
	other      string
	mu         sync.Mutex
	tokens     []string
	tokenCalls int
	calls      int // API calls with the current token
	requests   int
	badAuth    int
	grown      bool
	products   []map[string]any
	plans      map[string][]map[string]any
}

func newPayPalAPI(mode string) *paypalAPI {
	a := &paypalAPI{mode: mode, plans: map[string][]map[string]any{}}
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("PROD-%02dXAB12ABSB7868434", i)
		a.products = append(a.products, map[string]any{
			"id": id, "name": fmt.Sprintf("Video Streaming Service %d", i), "description": "Video streaming service",
			"create_time": fmt.Sprintf("2024-0%d-20T23:05:51Z", i),
			"links":       []map[string]any{{"href": "https://api-m.paypal.com/v1/catalogs/products/" + id, "rel": "self", "method": "GET"}},
		})
		for p := 1; p <= i%3; p++ {
			pid := fmt.Sprintf("P-%d%dML4271244454362WXNWU5NQ", i, p)
			a.plans[id] = append(a.plans[id], map[string]any{
				"id": pid, "product_id": id, "name": fmt.Sprintf("Plan %d.%d", i, p), "status": "ACTIVE",
				"description": "Basic plan", "usage_type": "LICENSED", "create_time": "2024-08-01T00:00:00Z",
				"links": []map[string]any{{"href": "https://api-m.paypal.com/v1/billing/plans/" + pid, "rel": "self", "method": "GET", "encType": "application/json"}},
			})
		}
	}
	return a
}

func (a *paypalAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.URL.Path == "/v1/oauth2/token" {
		a.token(w, r)
		return
	}
	a.requests++
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if len(a.tokens) == 0 || tok != a.tokens[len(a.tokens)-1] {
		a.badAuth++
		curWrite(w, 401, `{"error": "invalid_token", "error_description": "Token signature verification failed"}`)
		return
	}
	a.calls++
	if a.mode == "expire" && len(a.tokens) == 1 && a.calls > 2 {
		a.badAuth++
		curWrite(w, 401, `{"error": "invalid_token", "error_description": "Access Token not found in cache"}`)
		return
	}
	q := r.URL.Query()
	page, size := curQueryInt(q, "page", 1), curQueryInt(q, "page_size", 10)
	if page < 1 || size < 1 || size > 20 {
		curWrite(w, 400, `{"name": "INVALID_REQUEST", "message": "Request is not well-formed, syntactically incorrect, or violates schema.", "debug_id": "b4fa9a2d5d5f1", "details": [{"field": "page_size", "issue": "INVALID_PARAMETER_VALUE"}]}`)
		return
	}
	key, list := "products", a.products
	switch r.URL.Path {
	case "/v1/catalogs/products":
		if (a.mode == "grown" || a.mode == "keeptotal") && page == 2 && !a.grown {
			a.grown = true
			a.products = append([]map[string]any{{"id": "PROD-00NEW2ABSB7868434", "name": "New", "description": "created mid-walk", "create_time": "2024-09-01T00:00:00Z", "links": []map[string]any{}}}, a.products...)
			list = a.products
		}
	case "/v1/billing/plans":
		key, list = "plans", a.plans[q.Get("product_id")]
	default:
		curWrite(w, 404, `{"name": "RESOURCE_NOT_FOUND", "message": "The specified resource does not exist.", "debug_id": "90957fca61718"}`)
		return
	}
	from := min((page-1)*size, len(list))
	to := min(from+size, len(list))
	last := max((len(list)+size-1)/size, 1)
	link := func(p int, rel string) map[string]any {
		lq := url.Values{"page_size": {strconv.Itoa(size)}, "page": {strconv.Itoa(p)}}
		if key == "plans" {
			lq.Set("product_id", q.Get("product_id"))
		}
		if a.mode == "keeptotal" && q.Get("total_required") == "true" {
			lq.Set("total_required", "true")
		}
		return map[string]any{"href": "http://" + r.Host + r.URL.Path + "?" + lq.Encode(), "rel": rel, "method": "GET"}
	}
	links := []map[string]any{link(page, "self")}
	if page < last {
		next := link(page+1, "next")
		if a.mode == "elsewhere" && key == "products" {
			next["href"] = a.other + "/v1/catalogs/products?page_size=2&page=2"
		}
		if a.mode == "self" && key == "products" && page == 2 {
			next = link(2, "next")
		}
		links = append(links, next, link(last, "last"))
	}
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	body := map[string]any{key: items, "links": links}
	if q.Get("total_required") == "true" {
		body["total_items"], body["total_pages"] = len(list), last
	}
	curWrite(w, 200, curJSON(body))
}

// token grants a token to the documented client credentials request.
func (a *paypalAPI) token(w http.ResponseWriter, r *http.Request) {
	a.tokenCalls++
	user, pass, ok := r.BasicAuth()
	r.ParseForm()
	if r.Method != http.MethodPost || !ok || user != paypalClientID || pass != paypalClientSecret || r.PostForm.Get("grant_type") != "client_credentials" {
		curWrite(w, 401, `{"error": "invalid_client", "error_description": "Client Authentication failed"}`)
		return
	}
	tok := fmt.Sprintf("A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYXVJYE8ovjj68elIDy8nF26AwPhfXTIeWAZHSLIsQkSYz9ifg-%d", len(a.tokens)+1)
	a.tokens = append(a.tokens, tok)
	a.calls = 0
	curWrite(w, 200, curJSON(map[string]any{"scope": "https://uri.paypal.com/services/subscriptions https://api.paypal.com/v1/payments/.*",
		"access_token": tok, "token_type": "Bearer", "app_id": "APP-80W284485P519543T", "expires_in": 32400, "nonce": "2024-08-01T00:00:00ZFK3GGj5"}))
}

const (
	paypalProductQuery = `SELECT id, name, description, create_time FROM products ORDER BY id`
	paypalLinkQuery    = `SELECT p.id, l.rel, l.href, l.method FROM products p JOIN products__links l ON l._pipe_parent_id = p._pipe_id ORDER BY p.id, l._pipe_list_idx`
	paypalPlanQuery    = `SELECT _products_id, id, product_id, name, status, usage_type FROM plans ORDER BY id`
)

// check compares the tables with what the fake served, the secret and
// every token nowhere.
func (a *paypalAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var products, links, plans []string
	for _, p := range a.products {
		products = append(products, fmt.Sprintf("%v|%v|%v|%s +0000 UTC", p["id"], p["name"], p["description"],
			strings.Replace(strings.TrimSuffix(p["create_time"].(string), "Z"), "T", " ", 1)))
		for _, l := range p["links"].([]map[string]any) {
			links = append(links, fmt.Sprintf("%v|%v|%v|%v", p["id"], l["rel"], l["href"], l["method"]))
		}
		for _, pl := range a.plans[p["id"].(string)] {
			plans = append(plans, fmt.Sprintf("%v|%v|%v|%v|ACTIVE|LICENSED", p["id"], pl["id"], pl["product_id"], pl["name"]))
		}
	}
	r.checkTable(t, paypalProductQuery, products)
	r.checkTable(t, paypalLinkQuery, links)
	r.checkTable(t, paypalPlanQuery, plans)
	r.noSecret(t, paypalClientSecret)
	for _, tok := range a.tokens {
		r.noSecret(t, tok)
	}
}

// TestPayPalProducts: five products in pages of two by the rel "next" of
// the body's HATEOAS links array, whose links drop total_required as
// PayPal's example shows; each product's 0 to 2 plans by product_id; the
// products' own links array as a child table; one token for the run.
func TestPayPalProducts(t *testing.T) {
	api := newPayPalAPI("")
	r, _ := curServe(t, api, "paypal", "", paypalEnv())
	r.mustLoad(t)
	api.check(t, r)
	// products: 3 pages; plans: one page per product (2 at most)
	if api.requests != 3+5 || api.badAuth != 0 || api.tokenCalls != 1 {
		t.Errorf("%d requests (%d without a valid token), %d token requests; want 8 (0), 1", api.requests, api.badAuth, api.tokenCalls)
	}
}

// TestPayPalTokenExpiresMidWalk: the first token stops working on the
// third API call (401 invalid_token, "Access Token not found in cache");
// pipe fetches a second token once and the load is complete.
func TestPayPalTokenExpiresMidWalk(t *testing.T) {
	api := newPayPalAPI("expire")
	r, _ := curServe(t, api, "paypal", "", paypalEnv())
	r.mustLoad(t)
	api.check(t, r)
	// the plans of several products are asked for at once, so several
	// requests may carry the expired token; each is asked again, under
	// one new token
	if api.tokenCalls != 2 || api.badAuth < 1 || api.requests != 3+5+api.badAuth {
		t.Errorf("%d token requests, %d requests (%d refused); want 2, 8 + the refused", api.tokenCalls, api.requests, api.badAuth)
	}
}

// TestPayPalHostile: a next link to another host fails naming it and
// client.allowed_hosts, the other host getting nothing; with links that
// keep total_required (so every page holds total_items), a product
// created mid-walk fails the run as total_items moves from 5 to 6.
func TestPayPalHostile(t *testing.T) {
	t.Run("elsewhere", func(t *testing.T) {
		other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			curWrite(w, 200, `{"products": [], "links": []}`)
		}))
		api := newPayPalAPI("elsewhere")
		api.other = other.srv.URL
		r, srvURL := curServe(t, api, "paypal", "", paypalEnv())
		r.failedClean(t, srvURL, rest.ErrOutOfScope, paypalClientSecret, []string{"products", "plans", "products__links"},
			`resource "products"`, strings.TrimPrefix(other.srv.URL, "http://"), "client.allowed_hosts")
		for _, tok := range api.tokens {
			r.noSecret(t, tok)
		}
		if n := other.requests(); n != 0 {
			t.Errorf("the other host got %d requests", n)
		}
	})
	t.Run("keeptotal", func(t *testing.T) {
		api := newPayPalAPI("keeptotal")
		r, srvURL := curServe(t, api, "paypal", "", paypalEnv())
		r.failedClean(t, srvURL, rest.ErrShifted, paypalClientSecret, []string{"products", "plans", "products__links"},
			`resource "products"`, "page=2", `"total_items" was 5 and is 6`)
	})
}

// TestPayPalLinksDropTotalRequired: PayPal's documented links carry
// page_size and page but not the request's total_required=true, so only
// the first page holds total_items (5). Page links that step ?page=1 to
// ?page=2 are a walk by position, which pipe holds to the first page's
// total (README, json_link; TestDigitalOceanWithoutTotalPath); here it
// does not, since the link differs from the request in two parameters.
// A page 2 whose rel "next" is itself ("self") ends the walk at 4 of 5
// products, and a product created before page 2 ("grown": product 2 read
// twice, the new one on no page) loads 5 of 6; both exit 0.
func TestPayPalLinksDropTotalRequired(t *testing.T) {
	for _, c := range []struct {
		mode     string
		sentinel error
	}{{"self", rest.ErrMorePages}, {"grown", rest.ErrShifted}} {
		t.Run(c.mode, func(t *testing.T) {
			api := newPayPalAPI(c.mode)
			r, srvURL := curServe(t, api, "paypal", "", paypalEnv())
			r.failedClean(t, srvURL, c.sentinel, paypalClientSecret, []string{"products", "plans", "products__links"}, `resource "products"`, "total_items")
			t.Log(r.err)
		})
	}
}

// TestPayPalTotalPath: the spec with total_path: total_items, as a
// newcomer adds it from the response's fields. PayPal's documented next
// links drop total_required, so the pages after the first carry no
// total: the run fails on page 2 naming total_path, nothing loaded.
func TestPayPalTotalPath(t *testing.T) {
	text := curEdited(t, "paypal", `next_url_path: 'links.#(rel=="next").href'`, `next_url_path: 'links.#(rel=="next").href', total_path: total_items`)
	api := newPayPalAPI("")
	r, srvURL := curServe(t, api, "paypal", text, paypalEnv())
	r.failedClean(t, srvURL, nil, paypalClientSecret, []string{"products", "plans", "products__links"},
		`resource "products": page 2: GET http://api.test/v1/catalogs/products?page=2&page_size=2:`, `total_path "total_items" not found`)
}
