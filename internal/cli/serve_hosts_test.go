package cli

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/pipe-etl/pipe/credentials/secrets/secretstest"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

// TestAuthServeFixedHosts: with --api-url the broker refreshes at the
// given host (here a fake provider standing in for a proxy) whatever
// region a request names; a request cannot name a host of its own.
func TestAuthServeFixedHosts(t *testing.T) {
	p := snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: true})
	vault := secretstest.NewVault(t)
	vault.Seed("snyk/o1/"+p.ClientID, map[string]any{"refresh_token": p.IssueRefreshToken()})
	envVars := map[string]string{"API_KEY": "broker-key", "VAULT_ADDR": vault.URL, "VAULT_TOKEN": vault.Token}
	base, stop := startAuthServe(t, envVars, "--api-url", p.URL)

	get := func(region string) (int, map[string]any) {
		q := url.Values{"org_id": {"o1"}, "client_id": {p.ClientID}, "client_secret": {p.ClientSecret}, "region": {region}}
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/credentials?"+q.Encode(), nil)
		req.Header.Set("X-API-Key", "broker-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if code, body := get("https://evil.example.com"); code == http.StatusOK {
		t.Errorf("a request-supplied host was accepted: %v", body)
	}
	if code, body := get("eu"); code != http.StatusOK || body["access_token"] == "" || p.Refreshes() != 1 {
		t.Fatalf("GET through --api-url: %d %v (refreshes %d)", code, body, p.Refreshes())
	}
	stop()
}
