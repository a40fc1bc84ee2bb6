package plan_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// TestCompileAuth: every auth block compiles into rest.AuthConfig with
// variables bound, secrets left as placeholders, and pipe's or dlt's
// defaults applied.
func TestCompileAuth(t *testing.T) {
	tests := []struct {
		name, auth string
		want       rest.AuthConfig
	}{
		{"api_key defaults", `{type: api_key, api_key: "token {secrets.k}"}`,
			rest.AuthConfig{Type: "api_key", Name: "Authorization", Location: "header", APIKey: "token {secrets.k}", HeaderPrefix: "Bearer "}},
		{"bearer without type, as in dlt", `{token: "{secrets.k}"}`,
			rest.AuthConfig{Type: "bearer", Token: "{secrets.k}", HeaderPrefix: "Bearer "}},
		{"oauth2 in pipe's spelling", `{type: oauth2_client_credentials, token_url: "{vars.host}/token", client_id: id, client_secret: "{secrets.cs}", token_data: {audience: "{vars.host}"}}`,
			rest.AuthConfig{Type: "oauth2_client_credentials", TokenURL: "https://login.test/token", ClientID: "id", ClientSecret: "{secrets.cs}",
				ClientAuth: "basic", TokenData: map[string]string{"audience": "https://login.test"}, HeaderPrefix: "Bearer "}},
		{"oauth2 in dlt's spelling", `{type: oauth2_client_credentials, access_token_url: "{vars.host}/token", client_id: id, client_secret: "{secrets.cs}", access_token_request_data: {grant_type: account_credentials, account_id: "{secrets.acct}"}}`,
			rest.AuthConfig{Type: "oauth2_client_credentials", TokenURL: "https://login.test/token", ClientID: "id", ClientSecret: "{secrets.cs}",
				ClientAuth: "body", TokenData: map[string]string{"grant_type": "account_credentials", "account_id": "{secrets.acct}"},
				DefaultTokenExpiration: time.Hour, HeaderPrefix: "Bearer "}},
		{"dlt's spelling with pipe's overrides", `{type: oauth2_client_credentials, access_token_url: "{vars.host}/token", client_id: id, client_secret: "{secrets.cs}", client_auth: basic, default_token_expiration: 600}`,
			rest.AuthConfig{Type: "oauth2_client_credentials", TokenURL: "https://login.test/token", ClientID: "id", ClientSecret: "{secrets.cs}",
				ClientAuth: "basic", DefaultTokenExpiration: 10 * time.Minute, HeaderPrefix: "Bearer "}},
		{"login defaults", `{type: login, token_url: "{vars.host}/login", json: {user: "{secrets.u}", tenant: "{vars.host}"}}`,
			rest.AuthConfig{Type: "login", TokenURL: "https://login.test/login", JSON: map[string]any{"user": "{secrets.u}", "tenant": "https://login.test"},
				TokenPath: "access_token", ExpiresInPath: "expires_in", HeaderName: "Authorization", HeaderPrefix: "Bearer "}},
		{"login empty prefix", `{type: login, token_url: "{vars.host}/login", form: {u: a}, header_prefix: ""}`,
			rest.AuthConfig{Type: "login", TokenURL: "https://login.test/login", Form: map[string]string{"u": "a"},
				TokenPath: "access_token", ExpiresInPath: "expires_in", HeaderName: "Authorization"}},
		{"refresh token credential defaults to the spec name", `{type: oauth2_refresh_token, token_url: "{vars.host}/token", client_id: id}`,
			rest.AuthConfig{Type: "oauth2_refresh_token", TokenURL: "https://login.test/token", ClientID: "id", ClientAuth: "basic", Credential: "acme", HeaderPrefix: "Bearer "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yml := "name: acme\nvars:\n  host: {default: \"https://login.test\"}\nclient:\n  base_url: https://api.test/\n  auth: " + tt.auth + "\nresources:\n  - items\n"
			s, err := spec.Load("acme.yml", []byte(yml))
			if err != nil {
				t.Fatal(err)
			}
			p, err := plan.Build(s, plan.Options{LookupEnv: env(nil)})
			if err != nil {
				t.Fatal(err)
			}
			if got := *p.Resource("items").Auth; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("compiled\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestCompileAuthBothTokenURLs(t *testing.T) {
	yml := "name: acme\nclient:\n  base_url: https://api.test/\n  auth: {type: oauth2_client_credentials, token_url: https://a.test/t, access_token_url: https://b.test/t, client_id: i, client_secret: s}\nresources:\n  - items\n"
	s, err := spec.Load("acme.yml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	_, err = plan.Build(s, plan.Options{LookupEnv: env(nil)})
	want := "client.auth.access_token_url: give token_url or access_token_url, not both"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

// TestDescribeAuth: pipe plan prints the compiled auth with its defaults,
// secrets as placeholders and a credential written in the spec as ***.
func TestDescribeAuth(t *testing.T) {
	tests := []struct{ auth, want string }{
		{`{type: api_key, api_key: "token {secrets.k}"}`, `auth: api_key (location header, name Authorization, api_key "token {secrets.k}")`},
		{`{type: api_key, name: X-Key, location: query, api_key: literal-key-123}`, `auth: api_key (location query, name X-Key, api_key "***")`},
		{`{type: http_basic, username: ann, password: hunter22}`, `auth: http_basic (username "ann", password "***")`},
		{`{type: oauth2_client_credentials, access_token_url: "https://login.test/t", client_id: id, client_secret: "{secrets.cs}", access_token_request_data: {account_id: a1, api_key: plain-key}}`,
			`auth: oauth2_client_credentials (token_url https://login.test/t, client_id "id", client_secret "{secrets.cs}", client_auth body, token_data {account_id: "a1", api_key: "***"}, default_token_expiration 1h0m0s)`},
		{`{type: login, token_url: "https://login.test/l", form: {username: ann, password: "{secrets.pw}"}}`,
			`auth: login (token_url https://login.test/l, form {password: "{secrets.pw}", username: "ann"}, token_path access_token, expires_in_path expires_in, header_name Authorization, header_prefix "Bearer ")`},
	}
	for _, tt := range tests {
		yml := "name: acme\nclient:\n  base_url: https://api.test/\n  auth: " + tt.auth + "\nresources:\n  - items\n"
		s, err := spec.Load("acme.yml", []byte(yml))
		if err != nil {
			t.Fatal(err)
		}
		p, err := plan.Build(s, plan.Options{LookupEnv: env(nil)})
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		if err := p.Describe(&out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "    "+tt.want+"\n") {
			t.Errorf("plan output lacks\n%s\n%s", tt.want, out.String())
		}
		for _, secret := range []string{"literal-key-123", "hunter22", "plain-key"} {
			if strings.Contains(out.String(), secret) {
				t.Errorf("plan output shows %q", secret)
			}
		}
	}
}
