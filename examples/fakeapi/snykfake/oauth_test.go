package snykfake

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// tokenReply is the token endpoint's answer as Snyk documents it (A.10).
type tokenReply struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int    `json:"expires_in"`
	RefreshToken     string `json:"refresh_token,omitempty"`
	RefreshExpiresIn int    `json:"refresh_expires_in,omitempty"`
	TokenType        string `json:"token_type"`
	Scope            string `json:"scope"`
	BotID            string `json:"bot_id"`
}

func oauthErr(t *testing.T, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	wantStatus(t, resp, body, status)
	var e struct{ Error, ErrorDescription string }
	json.Unmarshal(body, &e)
	if e.Error != code {
		t.Fatalf("error = %q, want %q (%s)", e.Error, code, body)
	}
}

func TestClientCredentials(t *testing.T) {
	s, ts := start(t, smallConfig())
	s.OAuth().AddClient("sa-1", "sa-secret")
	tok := ts.URL + "/oauth2/token"
	resp, body := postForm(t, tok, url.Values{"grant_type": {"client_credentials"}, "client_id": {"sa-1"}, "client_secret": {"sa-secret"}})
	wantStatus(t, resp, body, 200)
	rep := decode[map[string]any](t, body)
	if _, has := rep["refresh_token"]; has {
		t.Errorf("client_credentials reply carries a refresh_token: %s", body)
	}
	if rep["expires_in"] != float64(3599) || rep["token_type"] != "bearer" || rep["scope"] == "" || rep["bot_id"] == "" {
		t.Errorf("reply %s", body)
	}
	access := rep["access_token"].(string)
	resp, body = get(t, ts.URL+"/rest/self?version=2024-10-15", "bearer "+access)
	wantStatus(t, resp, body, 200)
	var self Self
	json.Unmarshal(decode[doc](t, body).Data, &self)
	if self.Type != "service_account" || self.ID != rep["bot_id"] {
		t.Errorf("self = %+v, want the service account %v", self, rep["bot_id"])
	}
	// An access token is a bearer token, not an API token.
	resp, body = get(t, ts.URL+"/rest/self?version=2024-10-15", "token "+access)
	wantAPIError(t, resp, body, 401, "not recognized", "")
	// HTTP Basic client authentication works too.
	req, _ := http.NewRequest(http.MethodPost, tok, strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("sa-1", "sa-secret")
	r2, err := http.DefaultClient.Do(req)
	if err != nil || r2.StatusCode != 200 {
		t.Errorf("basic auth: %v %v", r2.StatusCode, err)
	}
	r2.Body.Close()

	for _, tt := range []struct {
		form   url.Values
		status int
		code   string
	}{
		{url.Values{"grant_type": {"client_credentials"}, "client_id": {"sa-1"}, "client_secret": {"nope"}}, 401, "invalid_client"},
		{url.Values{"grant_type": {"client_credentials"}, "client_id": {"ghost"}, "client_secret": {"sa-secret"}}, 401, "invalid_client"},
		{url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
		{url.Values{}, 400, "invalid_request"},
	} {
		resp, body := postForm(t, tok, tt.form)
		oauthErr(t, resp, body, tt.status, tt.code)
	}
	resp, body = do(t, http.MethodPost, tok, "", strings.NewReader(`{"grant_type":"client_credentials"}`), "Content-Type", "application/json")
	oauthErr(t, resp, body, 400, "invalid_request")
}

func TestAccessTokenExpiry(t *testing.T) {
	clk := fakecore.NewClock(testNow)
	c := smallConfig()
	c.Now, c.OAuthTokenTTL = clk.Now, time.Minute
	s, ts := start(t, c)
	s.OAuth().AddClient("sa", "secret")
	_, body := postForm(t, ts.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"sa"}, "client_secret": {"secret"}})
	rep := decode[tokenReply](t, body)
	if rep.ExpiresIn != 60 {
		t.Errorf("expires_in %d, want 60", rep.ExpiresIn)
	}
	u := ts.URL + "/rest/orgs?version=2024-10-15"
	resp, b := get(t, u, "bearer "+rep.AccessToken)
	wantStatus(t, resp, b, 200)
	clk.Advance(time.Minute)
	resp, b = get(t, u, "bearer "+rep.AccessToken)
	wantAPIError(t, resp, b, 401, "not recognized", "")
}

func refresh(t *testing.T, ts string, rt string) (*http.Response, []byte) {
	t.Helper()
	return postForm(t, ts+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"app"}, "client_secret": {"app-secret"}})
}

func TestRefreshTokensAreSingleUse(t *testing.T) {
	s, ts := start(t, smallConfig())
	s.OAuth().AddClient("app", "app-secret", "http://127.0.0.1/cb")
	s.OAuth().AddRefreshToken("app", "rt-0")

	resp, body := refresh(t, ts.URL, "rt-0")
	wantStatus(t, resp, body, 200)
	r1 := decode[tokenReply](t, body)
	if r1.RefreshToken == "" || r1.RefreshToken == "rt-0" || r1.AccessToken == "" || r1.TokenType != "bearer" {
		t.Fatalf("refresh reply %s", body)
	}
	resp, body = refresh(t, ts.URL, "rt-0") // reuse
	oauthErr(t, resp, body, 400, "invalid_grant")
	if !strings.Contains(string(body), "already been used") {
		t.Errorf("reuse: %s", body)
	}
	// The rotated token works once; the access token works on the API.
	resp, body = get(t, ts.URL+"/rest/orgs?version=2024-10-15", "bearer "+r1.AccessToken)
	wantStatus(t, resp, body, 200)
	resp, body = refresh(t, ts.URL, r1.RefreshToken)
	wantStatus(t, resp, body, 200)
	if s.OAuth().RefreshGrants() != 2 || s.OAuth().RefreshRejected() != 1 || s.OAuth().LiveRefreshTokens() != 1 {
		t.Errorf("grants %d, rejected %d, live %d; want 2, 1, 1", s.OAuth().RefreshGrants(), s.OAuth().RefreshRejected(), s.OAuth().LiveRefreshTokens())
	}
	// Wrong secret: the token is not consumed.
	r2 := decode[tokenReply](t, body)
	resp, body = postForm(t, ts.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r2.RefreshToken}, "client_secret": {"nope"}})
	oauthErr(t, resp, body, 401, "invalid_client")
	resp, body = postForm(t, ts.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r2.RefreshToken}, "client_secret": {"app-secret"}}) // client_id optional
	wantStatus(t, resp, body, 200)
	resp, body = postForm(t, ts.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "client_secret": {"app-secret"}})
	oauthErr(t, resp, body, 400, "invalid_request")
}

// TestConcurrentRefresh: many clients racing with one refresh token get
// exactly one success.
func TestConcurrentRefresh(t *testing.T) {
	s, ts := start(t, smallConfig())
	s.OAuth().AddClient("app", "app-secret")
	s.OAuth().AddRefreshToken("app", "shared")
	const n = 16
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"shared"}, "client_id": {"app"}, "client_secret": {"app-secret"}}
			resp, err := http.PostForm(ts.URL+"/oauth2/token", form)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 400:
		default:
			t.Errorf("status %d", c)
		}
	}
	if ok != 1 || s.OAuth().RefreshGrants() != 1 || s.OAuth().RefreshRejected() != n-1 {
		t.Fatalf("%d successes, grants %d, rejected %d; want 1, 1, %d", ok, s.OAuth().RefreshGrants(), s.OAuth().RefreshRejected(), n-1)
	}
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorize runs GET /oauth2/authorize without following the redirect.
func authorize(t *testing.T, ts string, q url.Values) *url.URL {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(ts + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("authorize: status %d, want 303", resp.StatusCode)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	s, ts := start(t, smallConfig())
	const cb = "http://127.0.0.1:8080/callback"
	s.OAuth().AddClient("app", "app-secret", cb, "http://127.0.0.1:9090/other")
	verifier := strings.Repeat("v", 43) + "-0123456789abcdefghij"
	q := url.Values{
		"response_type": {"code"}, "client_id": {"app"}, "redirect_uri": {cb},
		"code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}, "state": {"st-1"},
	}
	loc := authorize(t, ts.URL, q)
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != cb || loc.Query().Get("state") != "st-1" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect %s", loc)
	}
	code := loc.Query().Get("code")
	exchange := func(code, verifier, redirect string) (*http.Response, []byte) {
		f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {"app"}, "client_secret": {"app-secret"}, "code_verifier": {verifier}}
		if redirect != "" {
			f.Set("redirect_uri", redirect)
		}
		return postForm(t, ts.URL+"/oauth2/token", f)
	}
	// A wrong verifier fails and burns the code.
	resp, body := exchange(code, strings.Repeat("w", 64), cb)
	oauthErr(t, resp, body, 400, "invalid_grant")
	resp, body = exchange(code, verifier, cb)
	oauthErr(t, resp, body, 400, "invalid_grant")

	code = authorize(t, ts.URL, q).Query().Get("code")
	resp, body = exchange(code, verifier, "http://127.0.0.1:9090/other")
	oauthErr(t, resp, body, 400, "invalid_grant") // redirect_uri mismatch

	code = authorize(t, ts.URL, q).Query().Get("code")
	resp, body = exchange(code, "short", cb)
	oauthErr(t, resp, body, 400, "invalid_grant")

	code = authorize(t, ts.URL, q).Query().Get("code")
	resp, body = exchange(code, verifier, cb)
	wantStatus(t, resp, body, 200)
	rep := decode[tokenReply](t, body)
	if rep.AccessToken == "" || rep.RefreshToken == "" {
		t.Fatalf("reply %s", body)
	}
	resp, body = exchange(code, verifier, cb) // codes are single use
	oauthErr(t, resp, body, 400, "invalid_grant")
	resp, body = get(t, ts.URL+"/rest/self?version=2024-10-15", "Bearer "+rep.AccessToken)
	wantStatus(t, resp, body, 200)

	// Without redirect_uri the first registered one is used.
	q2 := url.Values{"response_type": {"code"}, "client_id": {"app"}, "code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}}
	loc = authorize(t, ts.URL, q2)
	if loc.Scheme+"://"+loc.Host+loc.Path != cb || loc.Query().Has("state") {
		t.Errorf("default redirect %s", loc)
	}
	resp, body = exchange(loc.Query().Get("code"), verifier, "")
	wantStatus(t, resp, body, 200)
}

func TestAuthorizeErrors(t *testing.T) {
	s, ts := start(t, smallConfig())
	const cb = "http://127.0.0.1:8080/callback"
	s.OAuth().AddClient("app", "app-secret", cb)
	base := url.Values{"response_type": {"code"}, "client_id": {"app"}, "redirect_uri": {cb}, "code_challenge": {"x"}, "code_challenge_method": {"S256"}, "state": {"s"}}
	for _, tt := range []struct {
		set, del string
		val      string
		want     string
	}{
		{set: "code_challenge_method", val: "plain", want: "invalid_request"},
		{del: "code_challenge", want: "invalid_request"},
		{set: "response_type", val: "token", want: "unsupported_response_type"},
	} {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		if tt.set != "" {
			q.Set(tt.set, tt.val)
		}
		if tt.del != "" {
			q.Del(tt.del)
		}
		loc := authorize(t, ts.URL, q)
		if loc.Query().Get("error") != tt.want || loc.Query().Get("state") != "s" || loc.Query().Has("code") {
			t.Errorf("%v: redirect %s, want error %s", tt, loc, tt.want)
		}
	}
	// Unknown clients and unregistered redirect URIs get no redirect.
	for _, q := range []url.Values{
		{"response_type": {"code"}, "client_id": {"ghost"}, "redirect_uri": {cb}},
		{"response_type": {"code"}, "client_id": {"app"}, "redirect_uri": {"https://evil.example/cb"}},
	} {
		resp, body := get(t, ts.URL+"/oauth2/authorize?"+q.Encode(), "")
		wantStatus(t, resp, body, 400)
	}
}

func TestRevoke(t *testing.T) {
	s, ts := start(t, smallConfig())
	s.OAuth().AddClient("app", "app-secret")
	s.OAuth().AddRefreshToken("app", "rt")
	rev := func(tok, secret string) (*http.Response, []byte) {
		return postForm(t, ts.URL+"/oauth2/revoke", url.Values{"client_id": {"app"}, "client_secret": {secret}, "token": {tok}})
	}
	resp, body := rev("rt", "app-secret")
	wantStatus(t, resp, body, 200)
	resp, body = refresh(t, ts.URL, "rt")
	oauthErr(t, resp, body, 400, "invalid_grant")
	resp, body = rev("rt", "app-secret") // already dead: still 200
	wantStatus(t, resp, body, 200)
	resp, body = rev("never-issued", "app-secret")
	wantStatus(t, resp, body, 200)
	resp, body = rev("rt", "wrong")
	oauthErr(t, resp, body, 401, "invalid_client")

	_, body = postForm(t, ts.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"app-secret"}})
	access := decode[tokenReply](t, body).AccessToken
	resp, body = get(t, ts.URL+"/rest/self?version=2024-10-15", "bearer "+access)
	wantStatus(t, resp, body, 200)
	rev(access, "app-secret")
	resp, body = get(t, ts.URL+"/rest/self?version=2024-10-15", "bearer "+access)
	wantAPIError(t, resp, body, 401, "not recognized", "")
}
