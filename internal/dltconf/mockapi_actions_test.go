package dltconf

import (
	"encoding/base64"
	"testing"
)

// detailsWith is dlt's make_mock_source_for_response_actions: posts, and
// each post's details at path with the response_actions given (YAML).
func detailsWith(path, actions string) string {
	return `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_details
    endpoint:
      path: "` + path + `"
      params:
        post_id: {type: resolve, resource: posts, field: id}
      response_actions: ` + actions + `
`
}

// TestDltResponseActions runs dlt's integration/test_response_actions.py
// cases that a config can express (the others pass Python callables):
// post 0's details exist, the other posts' answer 404, 422 or 204.
func TestDltResponseActions(t *testing.T) {
	detail0 := []rowCheck{{`SELECT id, body FROM post_details`, []string{"0:int|Post body 0"}}}
	one := map[string]int{"posts": 25, "post_details": 1}
	runMockCases(t, []mockCase{
		{name: "ignoring_endpoint_returning_404", tables: one, rows: detail0,
			config: detailsWith("posts/{post_id}/some_details_404", `[{status_code: 404, action: ignore}]`)},
		{name: "ignoring_404_others_422", tables: one, rows: detail0,
			config: detailsWith("posts/{post_id}/some_details_404_others_422", `[{status_code: 422, action: ignore}, {status_code: 404, action: ignore}]`)},
		{name: "ignoring_404_others_422_other_order", tables: one, rows: detail0,
			config: detailsWith("posts/{post_id}/some_details_404_others_422", `[{status_code: 404, action: ignore}, {status_code: 422, action: ignore}]`)},
		{name: "ignoring_endpoint_returning_204", tables: one, rows: detail0,
			config: detailsWith("posts/{post_id}/some_details_204", `[{status_code: 204, action: ignore}]`)},
		{name: "non_empty_response_actions_raise_on_error_by_default", err: []string{"422", "post_details"},
			config: detailsWith("posts/{post_id}/some_details_404_others_422", `[{status_code: 404, action: ignore}]`)},
		{name: "response_action_ignore_on_content", tables: map[string]int{}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: post_details
    endpoint:
      path: posts/0/some_details_404
      response_actions: [{content: "Post body 0", action: ignore}]
`},
		{name: "empty_response_actions_raise_on_404_by_default", err: []string{"404", "post_details", "/posts/1/some_details_404"}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: post_details
    endpoint: {path: posts/1/some_details_404}
`},
		// test_auth_overwrites_for_specific_endpoints: the endpoint's auth
		// replaces the client's.
		{name: "auth_overwrites_for_specific_endpoints", tables: map[string]int{"posts": 25},
			sent: wantHeaders(`^/posts$`, 5, map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("U:P"))}), config: `
client:
  base_url: "https://api.example.com"
  auth: {type: bearer, token: T}
resources:
  - name: posts
    endpoint:
      auth: {type: http_basic, username: U, password: P}
`},
	})
}

// TestDltAuth runs the mock's protected endpoints with the auth configs
// dlt's rest_client tests use, written as rest_api configs, and
// test_unauthorized_access_to_protected_endpoint.
func TestDltAuth(t *testing.T) {
	posts := map[string]int{"posts": 25}
	runMockCases(t, []mockCase{
		{name: "bearer", tables: posts, config: `
client:
  base_url: "https://api.example.com"
  auth: {type: bearer, token: "{secrets.token}"}
resources:
  - {name: posts, endpoint: protected/posts/bearer-token}
`},
		{name: "token_without_type", tables: posts, config: `
client:
  base_url: "https://api.example.com"
  auth: {token: "{secrets.token}"}
resources:
  - {name: posts, endpoint: protected/posts/bearer-token}
`},
		{name: "http_basic", tables: posts, config: `
client:
  base_url: "https://api.example.com"
  auth: {type: http_basic, username: "{secrets.username}", password: "{secrets.password}"}
resources:
  - {name: posts, endpoint: protected/posts/basic-auth}
`},
		{name: "api_key", tables: posts, config: `
client:
  base_url: "https://api.example.com"
  auth: {type: api_key, name: x-api-key, api_key: "{secrets.api_key}"}
resources:
  - {name: posts, endpoint: protected/posts/api-key}
`},
		// dlt's OAuth2ClientCredentials posts client_id and client_secret
		// in the form, which the mock's oauth_authorize reads.
		{name: "oauth2_client_credentials", tables: posts,
			sent: wantBodies(`^/oauth/token$`, 1, "application/x-www-form-urlencoded", func(r mockRequest) string {
				if sameForm(r.Body, "grant_type=client_credentials&client_id=test-client-id&client_secret=test-client-secret") {
					return r.Body
				}
				return "grant_type=client_credentials&client_id=test-client-id&client_secret=test-client-secret"
			}), config: `
client:
  base_url: "https://api.example.com"
  auth:
    type: oauth2_client_credentials
    access_token_url: "https://api.example.com/oauth/token"
    client_id: "{secrets.client_id}"
    client_secret: "{secrets.client_secret}"
resources:
  - {name: posts, endpoint: protected/posts/bearer-token}
`},
		// test_oauth_customized_token_request: Zoom's account_credentials
		// grant, with the client's credentials in basic auth; in dlt a
		// subclass, in pipe token_data and client_auth.
		{name: "oauth2_customized_token_request", tables: posts,
			sent: func(t *testing.T, m *dltMock) {
				if n := len(m.requests(`^/custom-oauth/token$`)); n != 1 {
					t.Errorf("%d token requests, want 1", n)
				}
			}, config: `
client:
  base_url: "https://api.example.com"
  auth:
    type: oauth2_client_credentials
    token_url: "https://api.example.com/custom-oauth/token"
    client_id: test-account-id
    client_secret: "{secrets.client_secret}"
    client_auth: basic
    token_data: {grant_type: account_credentials, account_id: test-account-id}
resources:
  - {name: posts, endpoint: protected/posts/bearer-token}
`},
		// test_oauth_token_expired_refresh, with the route that answers
		// expires_in 0: dlt asks a token for every request; pipe (Go's
		// oauth2 reads 0 as no expiry given) keeps it for
		// default_token_expiration or until a 401, which renews it. The
		// mock takes the token throughout: all pages read with one.
		{name: "oauth2_token_expires_now", tables: posts,
			sent: func(t *testing.T, m *dltMock) {
				if n := len(m.requests(`^/oauth/token-expires-now$`)); n != 1 {
					t.Errorf("%d token requests, want 1", n)
				}
			}, config: `
client:
  base_url: "https://api.example.com"
  auth:
    type: oauth2_client_credentials
    access_token_url: "https://api.example.com/oauth/token-expires-now"
    client_id: "{secrets.client_id}"
    client_secret: "{secrets.client_secret}"
resources:
  - {name: posts, endpoint: protected/posts/bearer-token}
`},
		{name: "oauth2_wrong_client_id", err: []string{"401", "/oauth/token"}, config: `
client:
  base_url: "https://api.example.com"
  auth:
    type: oauth2_client_credentials
    access_token_url: "https://api.example.com/oauth/token"
    client_id: invalid-client-id
    client_secret: "{secrets.client_secret}"
resources:
  - {name: posts, endpoint: protected/posts/bearer-token}
`},
		{name: "unauthorized_access_to_protected_endpoint", err: []string{"401", "/protected/posts/bearer-token-plain-text-error"}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - /protected/posts/bearer-token-plain-text-error
`},
	})
}
