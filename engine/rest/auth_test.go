package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// secrets is the expand function of the auth tests.
func secrets(vals map[string]string) func(string) (string, error) {
	return func(s string) (string, error) {
		for k, v := range vals {
			s = strings.ReplaceAll(s, "{secrets."+k+"}", v)
		}
		if strings.Contains(s, "{secrets.") {
			return "", errors.New("secret not set")
		}
		return s, nil
	}
}

// newAuthenticator builds cfg with its defaults applied, as the engine
// gets it from the plan.
func newAuthenticator(cfg *AuthConfig, expand func(string) (string, error), red *Redactor) (Authenticator, error) {
	if cfg == nil {
		return BuiltinAuthKinds().New(context.Background(), nil, AuthEnv{})
	}
	c := *cfg
	c.ApplyDefaults()
	return BuiltinAuthKinds().New(context.Background(), &c, AuthEnv{Expand: expand, Redactor: red})
}

func TestStaticAuth(t *testing.T) {
	type seen struct{ authz, key, query, cookie string }
	var last seen
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		last = seen{r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.URL.RawQuery, r.Header.Get("Cookie")}
		io.WriteString(w, `{}`)
	})
	exp := secrets(map[string]string{"tok": "abc123", "pw": "p@ss"})
	tests := []struct {
		name string
		auth AuthConfig
		want seen
	}{
		{"api_key default header", AuthConfig{Type: "api_key", APIKey: "token {secrets.tok}"}, seen{authz: "token abc123", query: "a=1"}},
		{"api_key named header", AuthConfig{Type: "api_key", Name: "X-Api-Key", APIKey: "{secrets.tok}"}, seen{key: "abc123", query: "a=1"}},
		{"api_key query", AuthConfig{Type: "api_key", Name: "api_key", Location: "query", APIKey: "{secrets.tok}"}, seen{query: "a=1&api_key=abc123"}},
		{"api_key cookie", AuthConfig{Type: "api_key", Name: "sid", Location: "cookie", APIKey: "{secrets.tok}"}, seen{query: "a=1", cookie: "sid=abc123"}},
		{"bearer", AuthConfig{Type: "bearer", Token: "{secrets.tok}"}, seen{authz: "Bearer abc123", query: "a=1"}},
		{"http_basic", AuthConfig{Type: "http_basic", Username: "ann", Password: "{secrets.pw}"}, seen{authz: "Basic YW5uOnBAc3M=", query: "a=1"}},
		{"http_basic no password", AuthConfig{Type: "http_basic", Username: "ann"}, seen{authz: "Basic YW5uOg==", query: "a=1"}},
		{"http_basic token as password", AuthConfig{Type: "http_basic", Password: "{secrets.pw}"}, seen{authz: "Basic OnBAc3M=", query: "a=1"}}, // Azure DevOps' ":PAT"
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			red := NewRedactor()
			a, err := newAuthenticator(&tt.auth, exp, red)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := newTestClient(t, Options{Redactor: red})
			if _, err := c.Do(context.Background(), get(t, srv.URL+"/?a=1"), Call{Auth: a}); err != nil {
				t.Fatal(err)
			}
			if last != tt.want {
				t.Errorf("server saw %+v, want %+v", last, tt.want)
			}
			if tt.auth.Password != "" && red.String("p@ss") != Redacted {
				t.Error("password not registered")
			}
			if strings.Contains(tt.auth.APIKey+tt.auth.Token, "tok") && red.String("abc123") != Redacted {
				t.Error("token not registered")
			}
		})
	}
}

func TestAuthKindsErrors(t *testing.T) {
	exp := secrets(map[string]string{"tok": "abc123"})
	tests := []struct {
		auth AuthConfig
		want string
	}{
		{AuthConfig{Type: "oauth2_refresh_token"}, "auth oauth2_refresh_token: unknown type (want one of api_key, bearer, http_basic, login, oauth2_client_credentials)"},
		{AuthConfig{Type: "kerberos"}, "auth kerberos: unknown type (want one of api_key, bearer, http_basic, login, oauth2_client_credentials)"},
		{AuthConfig{Type: "api_key"}, "auth api_key: api_key is required"},
		{AuthConfig{Type: "api_key", APIKey: "{secrets.missing}"}, "auth api_key: api_key: secret not set"},
		{AuthConfig{Type: "api_key", APIKey: "x", Location: "body"}, `auth api_key: location "body" (want header, query or cookie)`},
		{AuthConfig{Type: "bearer"}, "auth bearer: token is required"},
		{AuthConfig{Type: "http_basic"}, "auth http_basic: username or password is required"},
		{AuthConfig{Type: "oauth2_client_credentials", ClientID: "a", ClientSecret: "b"}, "token_url is required"},
		{AuthConfig{Type: "oauth2_client_credentials", TokenURL: "https://t.test/", ClientID: "a", ClientSecret: "b", ClientAuth: "jwt"}, `client_auth "jwt" (want basic or body)`},
		{AuthConfig{Type: "login", TokenURL: "https://t.test/"}, "one of form, json and basic is required"},
	}
	for _, tt := range tests {
		_, err := newAuthenticator(&tt.auth, exp, nil)
		if err == nil || err.Error() != tt.want && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.auth.Type, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), "abc123") {
			t.Errorf("error leaks a secret: %v", err)
		}
	}
	if a, err := newAuthenticator(nil, nil, nil); a != nil || err != nil {
		t.Errorf("nil spec: %v, %v", a, err)
	}
}

// tokenServer is an OAuth 2.0 token endpoint issuing tok-1, tok-2, ...
// and an API that accepts tokens from minValid on.
type tokenServer struct {
	t        *testing.T
	bodyAuth bool
	issued   atomic.Int32
	minValid atomic.Int32
	apiCalls atomic.Int32
}

func (s *tokenServer) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id, secret, basic := r.BasicAuth()
	if !s.bodyAuth && !basic {
		id, secret = "", ""
	}
	if s.bodyAuth {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if r.PostForm.Get("grant_type") != "client_credentials" || id != "app" || secret != "s3cret-value" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		io.WriteString(w, `{"error":"invalid_client"}`)
		return
	}
	if r.PostForm.Get("scope") != "read write" || r.PostForm.Get("audience") != "https://api.test" {
		w.WriteHeader(400)
		io.WriteString(w, `{"error":"invalid_scope"}`)
		return
	}
	time.Sleep(10 * time.Millisecond) // let concurrent callers pile up
	n := s.issued.Add(1)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"bearer","expires_in":3599}`, n)
}

func (s *tokenServer) api(w http.ResponseWriter, r *http.Request) {
	s.apiCalls.Add(1)
	var n int32
	if _, err := fmt.Sscanf(r.Header.Get("Authorization"), "Bearer tok-%d", &n); err != nil || n < s.minValid.Load() {
		w.WriteHeader(401)
		return
	}
	io.WriteString(w, `{}`)
}

func concurrently(n int, f func()) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	wg.Wait()
}

func TestOAuth2ClientCredentials(t *testing.T) {
	for _, bodyAuth := range []bool{false, true} {
		t.Run(fmt.Sprintf("client_auth body=%v", bodyAuth), func(t *testing.T) {
			ts := &tokenServer{t: t, bodyAuth: bodyAuth}
			tokSrv, apiSrv := serve(t, ts.token), serve(t, ts.api)
			a := &AuthConfig{
				Type: "oauth2_client_credentials", TokenURL: tokSrv.URL + "/oauth2/token", ClientID: "app",
				ClientSecret: "{secrets.cs}", Scopes: []string{"read", "write"}, TokenData: map[string]string{"audience": "https://api.test"},
			}
			if bodyAuth {
				a.ClientAuth = "body"
			}
			red := NewRedactor()
			auth, err := newAuthenticator(a, secrets(map[string]string{"cs": "s3cret-value"}), red)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := newTestClient(t, Options{Redactor: red})
			do := func() {
				if _, err := c.Do(context.Background(), get(t, apiSrv.URL), Call{Auth: auth}); err != nil {
					t.Error(err)
				}
			}
			concurrently(50, do)
			if got := ts.issued.Load(); got != 1 {
				t.Errorf("token requests for 50 concurrent calls = %d, want 1", got)
			}
			// The API revokes tok-1: every call gets a 401 once, and one new
			// token serves them all.
			ts.minValid.Store(2)
			concurrently(50, do)
			if got := ts.issued.Load(); got != 2 {
				t.Errorf("token requests after revocation = %d, want 2", got)
			}
			if red.String("tok-2") != Redacted || red.String("s3cret-value") != Redacted {
				t.Error("token or client secret not registered with the redactor")
			}
		})
	}
}

func TestOAuth2TokenErrorIsRedacted(t *testing.T) {
	ts := &tokenServer{t: t}
	tokSrv := serve(t, ts.token)
	a := &AuthConfig{Type: "oauth2_client_credentials", TokenURL: tokSrv.URL + "/token", ClientID: "app", ClientSecret: "wrong-secret-value"}
	auth, err := newAuthenticator(a, nil, NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	err = auth.Authenticate(context.Background(), get(t, "https://api.test/"))
	want := "oauth2_client_credentials: token " + tokSrv.URL + `/token: 401 Unauthorized: it holds keys "error"; "error" is "invalid_client"`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// checkmarx is a Checkmarx SCA-like identity server and API: a password
// grant, form-encoded, returning tokens cx-1, cx-2, ... for an hour.
type checkmarx struct {
	logins   atomic.Int32
	minValid atomic.Int32
	lastForm atomic.Value
}

func (s *checkmarx) token(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		w.WriteHeader(415)
		return
	}
	r.ParseForm()
	s.lastForm.Store(r.PostForm.Encode())
	f := r.PostForm
	if f.Get("grant_type") != "password" || f.Get("username") != "ann" || f.Get("password") != "Pa55-word!" || f.Get("acr_values") != "Tenant:acme" {
		w.WriteHeader(400)
		io.WriteString(w, `{"error":"invalid_grant","error_description":"invalid_username_or_password"}`)
		return
	}
	time.Sleep(10 * time.Millisecond)
	n := s.logins.Add(1)
	fmt.Fprintf(w, `{"access_token":"cx-%d","expires_in":3600,"token_type":"Bearer"}`, n)
}

func (s *checkmarx) api(w http.ResponseWriter, r *http.Request) {
	var n int32
	if _, err := fmt.Sscanf(r.Header.Get("Authorization"), "Bearer cx-%d", &n); err != nil || n < s.minValid.Load() {
		w.WriteHeader(401)
		io.WriteString(w, `{"Message":"Authorization has been denied for this request."}`)
		return
	}
	io.WriteString(w, `[]`)
}

func checkmarxAuth(tokenURL string) *AuthConfig {
	return &AuthConfig{Type: "login", TokenURL: tokenURL, Form: map[string]string{
		"grant_type": "password", "username": "{secrets.cx_user}", "password": "{secrets.cx_password}",
		"acr_values": "Tenant:acme", "scope": "sca_api", "client_id": "sca_resource_owner",
	}, HeaderPrefix: DefaultHeaderPrefix}
}

func TestLoginCheckmarx(t *testing.T) {
	cx := &checkmarx{}
	idp, api := serve(t, cx.token), serve(t, cx.api)
	red := NewRedactor()
	exp := secrets(map[string]string{"cx_user": "ann", "cx_password": "Pa55-word!"})
	auth, err := newAuthenticator(checkmarxAuth(idp.URL+"/identity/connect/token"), exp, red)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newTestClient(t, Options{Redactor: red})
	do := func() {
		if _, err := c.Do(context.Background(), get(t, api.URL+"/risk-management/projects"), Call{Auth: auth}); err != nil {
			t.Error(err)
		}
	}
	concurrently(20, do)
	if got := cx.logins.Load(); got != 1 {
		t.Errorf("logins for 20 concurrent calls = %d, want 1", got)
	}
	// The token expires on the server side: one 401, one new login.
	cx.minValid.Store(2)
	concurrently(20, do)
	if got := cx.logins.Load(); got != 2 {
		t.Errorf("logins after a 401 = %d, want 2", got)
	}
	if red.String("Pa55-word!") != Redacted || red.String("cx-2") != Redacted {
		t.Error("password or token not registered")
	}
	if red.String("sca_resource_owner password") != "sca_resource_owner password" {
		t.Error("literal form values were registered as secrets")
	}

	// An hour later the token is renewed before use.
	l := auth.(*Login)
	l.cache.now = func() time.Time { return time.Now().Add(3600*time.Second - 29*time.Second) }
	do()
	if got := cx.logins.Load(); got != 3 {
		t.Errorf("logins after expiry = %d, want 3", got)
	}
}

func TestLoginFailureHidesCredentials(t *testing.T) {
	cx := &checkmarx{}
	idp, api := serve(t, cx.token), serve(t, cx.api)
	exp := secrets(map[string]string{"cx_user": "ann", "cx_password": "WrongPassw0rd"})
	auth, err := newAuthenticator(checkmarxAuth(idp.URL+"/identity/connect/token"), exp, NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newTestClient(t, Options{})
	_, err = c.Do(context.Background(), get(t, api.URL+"/risk-management/projects"), Call{Resource: "projects", Auth: auth})
	want := `resource "projects": GET ` + api.URL + `/risk-management/projects: auth: login POST ` + idp.URL +
		`/identity/connect/token: 400 Bad Request: it holds keys "error", "error_description"; "error" is "invalid_grant"; "error_description" is "invalid_username_or_password"`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if strings.Contains(err.Error(), "WrongPassw0rd") {
		t.Error("error leaks the password")
	}
}

func TestLoginJSONBody(t *testing.T) {
	var got map[string]any
	idp := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(415)
			return
		}
		json.NewDecoder(r.Body).Decode(&got)
		io.WriteString(w, `{"data":{"jwt":"j-1"}}`)
	})
	a := &AuthConfig{
		Type: "login", TokenURL: idp.URL, JSON: map[string]any{"auth": map[string]any{"user": "ann", "key": "{secrets.k}"}, "remember": true},
		TokenPath: "data.jwt", HeaderName: "X-Auth", HeaderPrefix: "",
	}
	auth, err := newAuthenticator(a, secrets(map[string]string{"k": "kkk-111"}), NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	req := get(t, "https://api.test/")
	if err := auth.Authenticate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("X-Auth") != "j-1" {
		t.Errorf("header = %q", req.Header.Get("X-Auth"))
	}
	if b, _ := json.Marshal(got); string(b) != `{"auth":{"key":"kkk-111","user":"ann"},"remember":true}` {
		t.Errorf("login body = %s", b)
	}
	// No expires_in: the token is kept until a 401.
	if _, ok := auth.(*Login).cache.current(); !ok {
		t.Error("token without expiry not cached")
	}
}

func TestLoginMissingToken(t *testing.T) {
	idp := serve(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"token":"x"}`) })
	auth, _ := newAuthenticator(&AuthConfig{Type: "login", TokenURL: idp.URL + "/login", Form: map[string]string{"u": "a"}, HeaderPrefix: DefaultHeaderPrefix}, nil, nil)
	err := auth.Authenticate(context.Background(), get(t, "https://api.test/"))
	want := "login POST " + idp.URL + `/login: 200 OK: no token at token_path "access_token" in the response (Content-Type "text/plain; charset=utf-8"; it holds keys "token")`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// TestRefreshKeepsNewerToken replays a late 401: a request sent with tok-1
// fails after tok-2 was already fetched for another one. Refresh must not
// throw tok-2 away.
func TestRefreshKeepsNewerToken(t *testing.T) {
	ts := &tokenServer{t: t}
	tokSrv := serve(t, ts.token)
	a := &AuthConfig{Type: "oauth2_client_credentials", TokenURL: tokSrv.URL, ClientID: "app", ClientSecret: "s3cret-value",
		Scopes: []string{"read", "write"}, TokenData: map[string]string{"audience": "https://api.test"}}
	auth, err := newAuthenticator(a, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	authed := func() *Request {
		r := get(t, "https://api.test/")
		if err := auth.Authenticate(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	refresh := func(stale *Request) {
		if err := auth.(Refresher).Refresh(ctx, stale); err != nil {
			t.Fatal(err)
		}
	}
	first := authed()
	refresh(first) // the first 401 with tok-1
	if got := authed().Header.Get("Authorization"); got != "Bearer tok-2" {
		t.Fatalf("after refresh: %q", got)
	}
	refresh(first) // a late 401, still with tok-1
	if got := authed().Header.Get("Authorization"); got != "Bearer tok-2" || ts.issued.Load() != 2 {
		t.Errorf("late 401 replaced the fresh token: %q after %d token requests", got, ts.issued.Load())
	}
	refresh(authed()) // tok-2 itself is rejected now
	if got := authed().Header.Get("Authorization"); got != "Bearer tok-3" {
		t.Errorf("after tok-2 failed: %q", got)
	}
}
