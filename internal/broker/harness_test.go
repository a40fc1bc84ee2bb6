package broker_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/credentials/secrets/secretstest"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
	"github.com/pipe-etl/pipe/internal/broker"
)

const apiKey = "broker-api-key-1"

// harness is a broker wired to a fake Snyk (OAuth and app registration)
// and a fake OpenBao, as snykey's docker-compose wires the real ones.
type harness struct {
	t     *testing.T
	p     *snykoauth.TestServer
	vault *secretstest.Vault
	store *secrets.Vault
	cache broker.Cache
	srv   *httptest.Server
	dir   string

	mu      sync.Mutex
	regions []string // regions the broker asked endpoints for
	apps    int      // app registrations received
}

func newHarness(t *testing.T, mod func(*broker.Config)) *harness {
	t.Helper()
	h := &harness{t: t, p: snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: true}, "https://b/cb", "https://broker.example/v1/callback", "https://other.example/cb"), vault: secretstest.NewVault(t), dir: t.TempDir()}
	store, err := secrets.NewVault(secrets.VaultConfig{Addr: h.vault.URL, Token: h.vault.Token})
	if err != nil {
		t.Fatal(err)
	}
	h.store = store
	rest := httptest.NewServer(http.HandlerFunc(h.snykREST))
	t.Cleanup(rest.Close)
	cfg := broker.Config{
		APIKey: apiKey, Store: store, RecoveryDir: h.dir,
		Endpoints: func(region string) (broker.Endpoints, error) {
			if _, err := broker.RegionEndpoints(region); err != nil {
				return broker.Endpoints{}, err
			}
			h.mu.Lock()
			h.regions = append(h.regions, region)
			h.mu.Unlock()
			return broker.Endpoints{Authorize: h.p.AuthorizeURL(), Token: h.p.TokenURL(), Revoke: h.p.RevokeURL(), REST: rest.URL + "/rest"}, nil
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	if cfg.Cache == nil {
		cfg.Cache = broker.NewMemoryCache(nil)
	}
	h.cache = cfg.Cache
	h.srv = httptest.NewServer(broker.New(cfg))
	t.Cleanup(h.srv.Close)
	return h
}

// snykREST fakes POST /rest/orgs/{org}/apps/creations.
func (h *harness) snykREST(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/vnd.api+json")
	if r.Header.Get("Authorization") != "token snyk-api-token" {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"jsonapi":{"version":"1.0"},"errors":[{"status":"401","detail":"Unauthorized"}]}`)
		return
	}
	if r.Method != "POST" || r.URL.Path != "/rest/orgs/org-1/apps/creations" || r.URL.Query().Get("version") != "2024-10-15" ||
		r.Header.Get("Content-Type") != "application/vnd.api+json" {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"errors":[{"status":"400","detail":"bad request %s %s"}]}`, r.Method, r.URL)
		return
	}
	var in struct {
		Data struct {
			Type       string `json:"type"`
			Attributes struct {
				Context      string   `json:"context"`
				Name         string   `json:"name"`
				RedirectURIs []string `json:"redirect_uris"`
				Scopes       []string `json:"scopes"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Data.Type != "app" || in.Data.Attributes.Context != "tenant" {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"errors":[{"status":"400","detail":"bad body"}]}`)
		return
	}
	h.mu.Lock()
	h.apps++
	h.mu.Unlock()
	a := in.Data.Attributes
	w.WriteHeader(201)
	json.NewEncoder(w).Encode(map[string]any{"jsonapi": map[string]string{"version": "1.0"}, "data": map[string]any{
		"id": "app-1", "type": "app", "attributes": map[string]any{
			"client_id": h.p.ClientID, "client_secret": h.p.ClientSecret, "name": a.Name,
			"redirect_uris": a.RedirectURIs, "scopes": a.Scopes, "context": a.Context,
		}}})
}

// seed stores a live refresh token for org-1/<client> as a past login would.
func (h *harness) seed() string {
	rt := h.p.IssueRefreshToken()
	h.vault.Seed("snyk/org-1/"+h.p.ClientID, map[string]any{"refresh_token": rt})
	return rt
}

// stored returns the refresh token in the vault for org-1 and the provider's client.
func (h *harness) stored() string {
	data, _ := h.vault.Current("snyk/org-1/" + h.p.ClientID)
	s, _ := data["refresh_token"].(string)
	return s
}

// creds returns the usual org/client/secret parameters.
func (h *harness) creds() url.Values {
	return url.Values{"org_id": {"org-1"}, "client_id": {h.p.ClientID}, "client_secret": {h.p.ClientSecret}}
}

type reply struct {
	status int
	body   map[string]any
	raw    string
}

func (r reply) str(k string) string { s, _ := r.body[k].(string); return s }

// call sends a request; q goes in the query string; key "" sends no API key.
func (h *harness) call(method, path string, q url.Values, key string) reply {
	h.t.Helper()
	return h.send(method, path+"?"+q.Encode(), key, "", "")
}

func (h *harness) send(method, pathQuery, key, contentType, body string) reply {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+pathQuery, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		h.t.Fatalf("%s %s: reply is not a JSON object: %q", method, pathQuery, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		h.t.Errorf("%s %s: Content-Type %q", method, pathQuery, ct)
	}
	return reply{status: resp.StatusCode, body: m, raw: string(raw)}
}

// want checks a reply's status and one of its fields.
func want(t *testing.T, r reply, status int, field, value string) {
	t.Helper()
	if r.status != status || r.str(field) != value {
		t.Fatalf("reply %d %s, want %d with %s=%q", r.status, r.raw, status, field, value)
	}
}
