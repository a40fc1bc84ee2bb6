package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	stripeKey     = "sk_test_51H8kXyZ/stripe+KEY=0123"
	stripeAccount = "acct_1032D82eZvKYlo2C"
)

// stripeFake serves Stripe's List all customers for a connected account
// (docs.stripe.com/api/customers/list, docs.stripe.com/api/pagination:
// {"object": "list", "url", "has_more", "data"}, limit and
// starting_after; docs.stripe.com/api/authentication: "Authorization:
// Bearer sk_..."; docs.stripe.com/connect/authentication: the
// Stripe-Account header; docs.stripe.com/rate-limits: 429 with an error
// body and no Retry-After; docs.stripe.com/api/errors: {"error":
// {"type", "code", "message"}}).
type stripeFake struct {
	customers []map[string]any
	// limited is how many requests answer 429 before the fake serves
	// again (-1: always).
	limited  atomic.Int64
	requests atomic.Int64
	// echoKey makes a 401 quote the key it got in full, as a careless
	// proxy would.
	echoKey bool
}

func newStripeFake() *stripeFake {
	f := &stripeFake{}
	for i := range 5 {
		f.customers = append(f.customers, map[string]any{
			"id":                fmt.Sprintf("cus_NffrFeUfNV2H%02d", i),
			"object":            "customer",
			"address":           nil,
			"balance":           -1500 * i,
			"created":           1680893993 + i,
			"currency":          nil,
			"delinquent":        false,
			"email":             fmt.Sprintf("jenny%d@example.com", i),
			"invoice_settings":  map[string]any{"custom_fields": nil, "default_payment_method": nil, "footer": nil},
			"livemode":          false,
			"metadata":          map[string]any{"order_id": strconv.Itoa(6735 + i)},
			"name":              fmt.Sprintf("Jenny Rosen %d", i),
			"preferred_locales": []string{"en", "fr"}[:1+i/2%2], // 1, 1, 2, 2, 1 items
		})
	}
	return f
}

func (f *stripeFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_"+strconv.FormatInt(f.requests.Load(), 10))
	stripeError := func(status int, typ, code, msg string) {
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"type": typ, "code": code, "message": msg}})
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+stripeKey {
		msg := "Invalid API Key provided: sk_test_****0123"
		if f.echoKey {
			msg = "Invalid API Key provided: " + strings.TrimPrefix(got, "Bearer ")
		}
		stripeError(http.StatusUnauthorized, "invalid_request_error", "api_key_invalid", msg)
		return
	}
	if r.Header.Get("Stripe-Account") != stripeAccount {
		stripeError(http.StatusForbidden, "invalid_request_error", "account_invalid", "The provided key does not have access to account '"+r.Header.Get("Stripe-Account")+"' (or that account does not exist).")
		return
	}
	if n := f.limited.Load(); n != 0 {
		if n > 0 {
			f.limited.Add(-1)
		}
		stripeError(http.StatusTooManyRequests, "invalid_request_error", "rate_limit", "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.")
		return
	}
	if r.URL.Path != "/v1/customers" {
		stripeError(http.StatusNotFound, "invalid_request_error", "resource_missing", "Unrecognized request URL (GET: "+r.URL.Path+")")
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	from := 0
	if after := r.URL.Query().Get("starting_after"); after != "" {
		from = slices.IndexFunc(f.customers, func(c map[string]any) bool { return c["id"] == after }) + 1
		if from == 0 {
			stripeError(http.StatusBadRequest, "invalid_request_error", "resource_missing", "No such customer: '"+after+"'")
			return
		}
	}
	to := min(from+max(limit, 1), len(f.customers))
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "url": "/v1/customers", "has_more": to < len(f.customers), "data": f.customers[from:to]})
}

func stripeWant(f *stripeFake) []string {
	var want []string
	for _, c := range f.customers {
		want = append(want, fmtRow(c["id"], c["balance"], time.Unix(int64(c["created"].(int)), 0).UTC(), c["email"], c["metadata"].(map[string]any)["order_id"], c["livemode"]))
	}
	return want
}

const stripeQuery = `SELECT id, balance, created, email, metadata__order_id, livemode FROM customers ORDER BY id`

// TestStripeCustomers: the secret key goes as a bearer token, with the
// Stripe-Account header, to api.stripe.com's origin only; 429s without
// Retry-After are retried after backoff and the load is exact; the key
// is in no error, log line or database page.
func TestStripeCustomers(t *testing.T) {
	fake := newStripeFake()
	fake.limited.Store(2)
	api := newVendorOrigin(t, fake)
	run := runVendor(t, "stripe", map[string]string{"api_url": api.srv.URL, "stripe_account": stripeAccount}, map[string]string{"STRIPE_SECRET_KEY": stripeKey}, "")
	if run.err != nil {
		t.Fatalf("run: %v", run.err)
	}
	got := rowsOf(t, run.db, stripeQuery)
	want := stripeWant(fake)
	// created is a unix time: stored as an integer unless hinted.
	for i, c := range fake.customers {
		want[i] = strings.Replace(want[i], time.Unix(int64(c["created"].(int)), 0).UTC().String(), strconv.Itoa(c["created"].(int)), 1)
	}
	sameRows(t, "customers", got, want)
	sameRows(t, "preferred_locales", rowsOf(t, run.db, `SELECT count(*) FROM customers__preferred_locales`), []string{"7"})
	if n, all := api.carrying(stripeKey), api.requests(); n != all || all != 5 {
		t.Errorf("%d of %d requests carried the key, want 5 of 5 (3 pages, 2 retries)", n, all)
	}
	if w := run.waited(); len(w) != 2 || w[0] > time.Second || w[1] > 2*time.Second {
		t.Errorf("waits = %v, want 2 backoffs within 1s and 2s", w)
	}
	run.noSecretLeft(t, stripeKey)
}

// TestStripeRateLimitedForGood: a 429 on every attempt fails the run
// after client.retry.max_attempts, naming the resource, the URL, Stripe's
// error and the setting.
func TestStripeRateLimitedForGood(t *testing.T) {
	fake := newStripeFake()
	fake.limited.Store(-1)
	api := newVendorOrigin(t, fake)
	run := runVendor(t, "stripe", map[string]string{"api_url": api.srv.URL, "stripe_account": stripeAccount}, map[string]string{"STRIPE_SECRET_KEY": stripeKey}, "")
	want := `resource "customers": page 1: GET ` + api.srv.URL + `/v1/customers?limit=2: 429 Too Many Requests: {"error":{"code":"rate_limit","message":"Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.","type":"invalid_request_error"}} (after 5 attempts) of client.retry.max_attempts`
	if run.err == nil || !strings.Contains(run.err.Error(), want) {
		t.Errorf("err = %v\nwant it to contain %s", run.err, want)
	}
	run.noSecretLeft(t, stripeKey)
}

// TestStripeEchoedKey: a 401 whose body quotes the wrong key in full
// fails the run with the key as *** in the error and the logs.
func TestStripeEchoedKey(t *testing.T) {
	fake := newStripeFake()
	fake.echoKey = true
	api := newVendorOrigin(t, fake)
	const wrong = "sk_live_W0ng/Key+123"
	run := runVendor(t, "stripe", map[string]string{"api_url": api.srv.URL, "stripe_account": stripeAccount}, map[string]string{"STRIPE_SECRET_KEY": wrong}, "")
	want := `401 Unauthorized: {"error":{"code":"api_key_invalid","message":"Invalid API Key provided: ***","type":"invalid_request_error"}}`
	if run.err == nil || !strings.Contains(run.err.Error(), want) {
		t.Errorf("err = %v\nwant it to contain %s", run.err, want)
	}
	run.noSecretLeft(t, wrong)
}

// TestStripeHasMoreWithoutData: a page with has_more true and no data
// (nothing to take starting_after from) fails the run rather than
// ending it short.
func TestStripeHasMoreWithoutData(t *testing.T) {
	api := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"object": "list", "url": "/v1/customers", "has_more": true, "data": []}`)
	}))
	run := runVendor(t, "stripe", map[string]string{"api_url": api.srv.URL, "stripe_account": stripeAccount}, map[string]string{"STRIPE_SECRET_KEY": stripeKey}, "")
	want := `resource "customers": page 1: GET ` + api.srv.URL + `/v1/customers?limit=2: last_id: the page held no records, but has_more_path "has_more" is true`
	if run.err == nil || !strings.Contains(run.err.Error(), want) {
		t.Errorf("err = %v\nwant it to contain %s", run.err, want)
	}
	run.noSecretLeft(t, stripeKey)
}
