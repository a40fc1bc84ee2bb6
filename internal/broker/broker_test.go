package broker_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/internal/broker"
)

// The tests below mirror snykey's tests/test_v1_endpoints.py, one for
// each of its 13 cases, against real HTTP and the fakes in the harness.

func TestStoreCredentialsSuccess(t *testing.T) {
	h := newHarness(t, nil)
	rt := h.p.IssueRefreshToken()
	q := h.creds()
	q.Set("refresh_key", rt)
	want(t, h.call("PUT", "/v1/credentials", q, apiKey), 200, "message", "Credentials stored.")
	// The supplied key was spent at once and its successor stored.
	if h.p.RefreshUsable(rt) || !h.p.RefreshUsable(h.stored()) {
		t.Fatalf("vault holds %q; supplied key usable %v", h.stored(), h.p.RefreshUsable(rt))
	}
	if tok, err := h.cache.Get(context.Background(), "snyk:org-1:"+h.p.ClientID); err != nil || !strings.HasPrefix(tok, "snyk_uat.") {
		t.Errorf("access token not cached: %q %v", tok, err)
	}
}

func TestStoreCredentialsSealed(t *testing.T) {
	h := newHarness(t, nil)
	h.vault.Seal(true)
	rt := h.p.IssueRefreshToken()
	q := h.creds()
	q.Set("refresh_key", rt)
	want(t, h.call("PUT", "/v1/credentials", q, apiKey), 503, "error", "Vault is sealed, cannot store credentials.")
	if !h.p.RefreshUsable(rt) || h.p.Refreshes() != 0 {
		t.Fatalf("the refresh key was spent although the vault is sealed")
	}
}

func TestStoreCredentialsRefreshError(t *testing.T) {
	h := newHarness(t, nil)
	q := h.creds()
	q.Set("refresh_key", "rt-unknown")
	r := h.call("PUT", "/v1/credentials", q, apiKey)
	if r.status != 500 || !strings.Contains(r.str("error"), "invalid_grant") {
		t.Fatalf("reply %d %s", r.status, r.raw)
	}
	if h.stored() != "" {
		t.Errorf("something was stored")
	}
}

func TestGetCredentialsFromCache(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	first := h.call("GET", "/v1/credentials", h.creds(), apiKey)
	want(t, h.call("GET", "/v1/credentials", h.creds(), apiKey), 200, "access_token", first.str("access_token"))
	if h.p.Refreshes() != 1 {
		t.Errorf("refreshes = %d, want 1: the second GET should be served from the cache", h.p.Refreshes())
	}
}

// TestCachedTokenNeedsTheClientSecret: a caller who knows the org and
// client ids (and the API key) but not the client secret does not get
// the cached access token; Snyk refuses the wrong secret without
// spending the refresh token. A token cached without a secret hash (by
// snykey) is not handed out either.
func TestCachedTokenNeedsTheClientSecret(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	cached := h.call("GET", "/v1/credentials", h.creds(), apiKey).str("access_token")
	q := h.creds()
	q.Set("client_secret", "not-the-secret")
	r := h.call("GET", "/v1/credentials", q, apiKey)
	if r.status != 401 || strings.Contains(r.raw, cached) || strings.Contains(r.raw, "not-the-secret") {
		t.Fatalf("wrong secret: %d %s", r.status, r.raw)
	}
	if h.p.Refreshes() != 1 || !h.p.RefreshUsable(h.stored()) {
		t.Errorf("the wrong secret spent the refresh token")
	}

	h.cache.Set(context.Background(), "snyk:org-2:"+h.p.ClientID, "at-cached-by-snykey", 1e12)
	q = h.creds()
	q.Set("org_id", "org-2")
	if r := h.call("GET", "/v1/credentials", q, apiKey); strings.Contains(r.raw, "at-cached-by-snykey") {
		t.Errorf("a token cached without a secret hash was handed out: %s", r.raw)
	}
}

func TestGetCredentialsNoRefreshKey(t *testing.T) {
	h := newHarness(t, nil)
	want(t, h.call("GET", "/v1/credentials", h.creds(), apiKey), 404, "error", "No refresh key found for org/client")
}

func TestGetCredentialsRefreshError(t *testing.T) {
	h := newHarness(t, nil)
	h.vault.Seed("snyk/org-1/"+h.p.ClientID, map[string]any{"refresh_token": "rt-already-spent"})
	r := h.call("GET", "/v1/credentials", h.creds(), apiKey)
	if r.status != 500 || !strings.Contains(r.str("error"), "invalid_grant") {
		t.Fatalf("reply %d %s", r.status, r.raw)
	}
	if strings.Contains(r.raw, "rt-already-spent") || strings.Contains(r.raw, h.p.ClientSecret) {
		t.Errorf("error leaks a secret: %s", r.raw)
	}
}

func TestGetCredentialsRefreshes(t *testing.T) {
	h := newHarness(t, nil)
	old := h.seed()
	r := h.call("GET", "/v1/credentials", h.creds(), apiKey)
	if r.status != 200 || !strings.HasPrefix(r.str("access_token"), "snyk_uat.") {
		t.Fatalf("reply %d %s", r.status, r.raw)
	}
	if h.stored() == old || !h.p.RefreshUsable(h.stored()) {
		t.Fatalf("rotated refresh token not stored")
	}
	// Cached now: the next GET does not refresh.
	want(t, h.call("GET", "/v1/credentials", h.creds(), apiKey), 200, "access_token", r.str("access_token"))
	if h.p.Refreshes() != 1 {
		t.Errorf("refreshes = %d", h.p.Refreshes())
	}
}

func TestDeleteCredentialsSuccess(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	h.seed() // two versions: both must go
	h.call("GET", "/v1/credentials", h.creds(), apiKey)
	q := url.Values{"org_id": {"org-1"}, "client_id": {h.p.ClientID}}
	want(t, h.call("DELETE", "/v1/credentials", q, apiKey), 200, "message", "Credentials deleted.")
	if _, versions := h.vault.Current("snyk/org-1/" + h.p.ClientID); versions != 0 {
		t.Errorf("%d versions left in the vault", versions)
	}
	if _, err := h.cache.Get(context.Background(), "snyk:org-1:"+h.p.ClientID); err == nil {
		t.Errorf("access token still cached")
	}
	want(t, h.call("GET", "/v1/credentials", h.creds(), apiKey), 404, "error", "No refresh key found for org/client")
}

func TestDeleteCredentialsMissingFields(t *testing.T) {
	h := newHarness(t, nil)
	for _, q := range []url.Values{{}, {"org_id": {"org-1"}}, {"org_id": {""}, "client_id": {"c"}}, {"org_id": {"  "}, "client_id": {"c"}}} {
		r := h.call("DELETE", "/v1/credentials", q, apiKey)
		if r.status != 422 || !strings.Contains(r.raw, `"type":"missing"`) {
			t.Errorf("DELETE %v: %d %s", q, r.status, r.raw)
		}
	}
}

func TestDeleteCache(t *testing.T) {
	h := newHarness(t, nil)
	h.cache.Set(context.Background(), "snyk:org-1:c", "at", 1e12)
	q := url.Values{"org_id": {"org-1"}, "client_id": {"c"}}
	want(t, h.call("DELETE", "/v1/cache", q, apiKey), 200, "message", "Auth token deleted.")
	want(t, h.call("DELETE", "/v1/cache", q, apiKey), 200, "message", "Auth token not found.")
}

// registerApp registers an app with one or more redirect URIs and returns the reply.
func registerApp(t *testing.T, h *harness, redirects string, extra url.Values) reply {
	t.Helper()
	q := url.Values{"name": {"pipe"}, "scopes": {"org.read,org.project.read"}, "redirect_uris": {redirects},
		"org_id": {"org-1"}, "auth_token": {"snyk-api-token"}}
	for k, v := range extra {
		q[k] = v
	}
	return h.call("POST", "/v1/register-app", q, apiKey)
}

func TestRegisterAppSuccess(t *testing.T) {
	h := newHarness(t, nil)
	r := registerApp(t, h, "https://broker.example/v1/callback,https://other.example/cb", nil)
	if r.status != 200 {
		t.Fatalf("reply %d %s", r.status, r.raw)
	}
	data, _ := r.body["data"].(map[string]any)
	attrs, _ := data["attributes"].(map[string]any)
	if attrs["client_id"] != h.p.ClientID {
		t.Fatalf("Snyk's reply not passed on: %s", r.raw)
	}
	urls, _ := r.body["auth_urls"].(map[string]any)
	if len(urls) != 2 {
		t.Fatalf("auth_urls = %v", urls)
	}
	states := map[string]bool{}
	for redirect, raw := range urls {
		u, err := url.Parse(raw.(string))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if q.Get("redirect_uri") != redirect || q.Get("client_id") != h.p.ClientID || q.Get("response_type") != "code" ||
			q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || len(q.Get("state")) != 22 {
			t.Errorf("authorize URL %s", raw)
		}
		if !strings.Contains(u.RawQuery, "scope=org.read+org.project.read") {
			t.Errorf("scope not space-joined: %s", u.RawQuery)
		}
		if _, err := h.cache.Get(context.Background(), "pkce:"+q.Get("state")); err != nil {
			t.Errorf("no PKCE data for state: %v", err)
		}
		states[q.Get("state")] = true
	}
	if len(states) != 2 {
		t.Errorf("redirect URIs share a state")
	}
}

func TestRegisterAppErrors(t *testing.T) {
	h := newHarness(t, nil)
	r := h.call("POST", "/v1/register-app", url.Values{"name": {"x"}}, apiKey)
	if r.status != 422 || !strings.Contains(r.raw, `"loc":["query","auth_token"]`) {
		t.Errorf("missing fields: %d %s", r.status, r.raw)
	}
	r = registerApp(t, h, "https://b/cb", url.Values{"auth_token": {"bad-snyk-token"}})
	if r.status != 500 || !strings.Contains(r.str("error"), "401") || strings.Contains(r.raw, "bad-snyk-token") {
		t.Errorf("bad Snyk token: %d %s", r.status, r.raw)
	}
}

// authorize plays the browser: follow the authorize URL to the provider
// and return the redirect's query (code and state).
func authorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("authorize: %d %v", resp.StatusCode, err)
	}
	return loc.Query()
}

func TestCallbackSuccess(t *testing.T) {
	h := newHarness(t, nil)
	r := registerApp(t, h, "https://broker.example/v1/callback", url.Values{"region": {"eu"}})
	authURL := r.body["auth_urls"].(map[string]any)["https://broker.example/v1/callback"].(string)
	back := authorize(t, authURL)
	// No API key: Snyk's redirect cannot carry one.
	cb := h.call("GET", "/v1/callback", back, "")
	want(t, cb, 200, "message", "Successfully authenticated and stored credentials")
	if cb.str("org_id") != "org-1" || cb.str("client_id") != h.p.ClientID {
		t.Errorf("callback reply %s", cb.raw)
	}
	if !h.p.RefreshUsable(h.stored()) {
		t.Fatalf("refresh token not stored")
	}
	data, _ := h.vault.Current("snyk/org-1/" + h.p.ClientID)
	if data["region"] != "eu" {
		t.Errorf("region not stored with the credential: %v", data)
	}
	// Replaying the redirect fails: the state is single-use.
	want(t, h.call("GET", "/v1/callback", back, ""), 400, "error", "Invalid or expired state parameter")
	// Later refreshes use the stored region.
	h.cache.Delete(context.Background(), "snyk:org-1:"+h.p.ClientID)
	h.mu.Lock()
	h.regions = nil
	h.mu.Unlock()
	want(t, h.call("GET", "/v1/callback", url.Values{}, ""), 400, "error", "Invalid or expired state parameter")
	if r := h.call("GET", "/v1/credentials", h.creds(), apiKey); r.status != 200 {
		t.Fatalf("GET after login: %d %s", r.status, r.raw)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.regions) != 1 || h.regions[0] != "eu" {
		t.Errorf("refresh used regions %v, want [eu]", h.regions)
	}
}

func TestCallbackRegionFromSnyk(t *testing.T) {
	h := newHarness(t, nil)
	r := registerApp(t, h, "https://b/cb", nil)
	back := authorize(t, r.body["auth_urls"].(map[string]any)["https://b/cb"].(string))
	back.Set("instance", "api.au.snyk.io")
	want(t, h.call("GET", "/v1/callback", back, ""), 200, "org_id", "org-1")
	h.mu.Lock()
	last := h.regions[len(h.regions)-1]
	h.mu.Unlock()
	if last != "api.au.snyk.io" {
		t.Errorf("callback used region %q", last)
	}
	r = registerApp(t, h, "https://b/cb", nil)
	back = authorize(t, r.body["auth_urls"].(map[string]any)["https://b/cb"].(string))
	back.Set("instance", "api.evil.example")
	if r := h.call("GET", "/v1/callback", back, ""); r.status != 400 || !strings.Contains(r.str("error"), "unknown Snyk region") {
		t.Errorf("foreign instance: %d %s", r.status, r.raw)
	}
}

func TestCallbackInvalidState(t *testing.T) {
	h := newHarness(t, nil)
	want(t, h.call("GET", "/v1/callback", url.Values{"code": {"c"}, "state": {"nope"}}, ""), 400, "error", "Invalid or expired state parameter")
}

func TestCallbackExchangeError(t *testing.T) {
	h := newHarness(t, nil)
	r := registerApp(t, h, "https://b/cb", nil)
	back := authorize(t, r.body["auth_urls"].(map[string]any)["https://b/cb"].(string))
	back.Set("code", "code-forged")
	cb := h.call("GET", "/v1/callback", back, "")
	if cb.status != 500 || !strings.HasPrefix(cb.str("error"), "Failed to exchange code for tokens: ") {
		t.Fatalf("reply %d %s", cb.status, cb.raw)
	}
	if _, err := h.cache.Get(context.Background(), "pkce:"+back.Get("state")); err == nil {
		t.Errorf("PKCE data kept after a failed exchange")
	}
}

func TestAPIKey(t *testing.T) {
	h := newHarness(t, nil)
	for _, key := range []string{"", "wrong"} {
		for _, route := range [][2]string{{"GET", "/v1/credentials"}, {"PUT", "/v1/credentials"}, {"DELETE", "/v1/cache"},
			{"POST", "/v1/register-app"}, {"GET", "/v1/nope"}} {
			want(t, h.call(route[0], route[1], h.creds(), key), 401, "error", "Unauthorized: Invalid or missing API key")
		}
	}
	want(t, h.call("GET", "/v1/nope", nil, apiKey), 404, "error", "Not Found")
	want(t, h.call("POST", "/v1/credentials", nil, apiKey), 405, "error", "Method Not Allowed")

	// No key configured: refuse rather than run open.
	open := newHarness(t, func(c *broker.Config) { c.APIKey = "" })
	want(t, open.call("GET", "/v1/credentials", open.creds(), ""), 401, "error", "Unauthorized: Invalid or missing API key")
}

func TestSecretsInBody(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	form := h.creds().Encode()
	r := h.send("GET", "/v1/credentials", apiKey, "application/x-www-form-urlencoded", form)
	if r.status != 200 || r.str("access_token") == "" {
		t.Fatalf("form body: %d %s", r.status, r.raw)
	}
	json := `{"org_id":"org-1","client_id":"` + h.p.ClientID + `","client_secret":"` + h.p.ClientSecret + `"}`
	want(t, h.send("GET", "/v1/credentials", apiKey, "application/json", json), 200, "access_token", r.str("access_token"))
	if r := h.send("GET", "/v1/credentials", apiKey, "text/plain", "x"); r.status != 400 {
		t.Errorf("text body: %d %s", r.status, r.raw)
	}
	if r := h.send("GET", "/v1/credentials", apiKey, "application/json", "[1]"); r.status != 400 {
		t.Errorf("JSON array body: %d %s", r.status, r.raw)
	}
}

func TestIDsCannotEscape(t *testing.T) {
	h := newHarness(t, nil)
	for _, org := range []string{"../sys", "a/b", "a#b", "a:b", ".", ".."} {
		q := h.creds()
		q.Set("org_id", org)
		if r := h.call("GET", "/v1/credentials", q, apiKey); r.status != 422 || !strings.Contains(r.raw, "string_pattern_mismatch") {
			t.Errorf("org_id %q: %d %s", org, r.status, r.raw)
		}
	}
}
