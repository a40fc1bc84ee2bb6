package rest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestScopeCheck(t *testing.T) {
	s, err := NewScope("https://api.acme.test/v2/", []string{"cdn.acme.test", "files.acme.test:8443", "http://legacy.acme.test:8080", "169.254.169.254"})
	if err != nil {
		t.Fatal(err)
	}
	s.AllowURL("https://login.acme.test/oauth/token")
	tests := []struct {
		url  string
		want string // "" allowed, else a substring of the error
	}{
		{"https://api.acme.test/v2/orgs?page=2", ""},
		{"https://API.acme.test:443/other", ""},
		{"https://login.acme.test/anything", ""},
		{"https://cdn.acme.test/x", ""},
		{"https://files.acme.test:8443/x", ""},
		{"https://169.254.169.254/latest", ""},
		{"https://evil.test/x", "host evil.test:443 is not base_url's (https://api.acme.test:443) nor an absolute endpoint path's; list it in client.allowed_hosts"},
		{"https://api.acme.test:8443/x", "host api.acme.test:8443"},
		{"https://files.acme.test/x", "host files.acme.test:443"},
		{"http://api.acme.test/v2/orgs", "plain http while base_url is https"},
		{"http://cdn.acme.test/x", "plain http while base_url is https"},
		{"http://legacy.acme.test:8080/x", "plain http while base_url is https"},
		{"ftp://api.acme.test/x", `scheme "ftp"`},
		{"https://169.254.170.2/creds", "link-local or cloud metadata address; list it in client.allowed_hosts"},
		{"https://[fe80::1]/x", "link-local"},
		{"https://[fd00:ec2::254]/latest", "link-local"},
		{"https://metadata.google.internal/computeMetadata/v1/", "link-local"},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.url)
		err := s.Check(u)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.url, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrOutOfScope)):
			t.Errorf("%s: err = %v, want %q", tt.url, err, tt.want)
		}
	}
	plain, _ := NewScope("http://127.0.0.1:8765/rest/", []string{"127.0.0.2"})
	for raw, ok := range map[string]bool{"http://127.0.0.1:8765/x": true, "http://127.0.0.2/x": true, "https://127.0.0.2/x": true, "http://127.0.0.2:81/x": false} {
		u, _ := url.Parse(raw)
		if err := plain.Check(u); (err == nil) != ok {
			t.Errorf("http base: %s: %v", raw, err)
		}
	}
}

// TestSameOriginRedirectHasNoReferer: Go's client adds a Referer to
// redirected requests; pipe's never carries one, and keeps its
// credentials on the same origin.
func TestSameOriginRedirectHasNoReferer(t *testing.T) {
	var referer, authz string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
			return
		}
		referer, authz = r.Header.Get("Referer"), r.Header.Get("Authorization")
		io.WriteString(w, `{}`)
	})
	scope, _ := NewScope(srv.URL, nil)
	c, _ := newTestClient(t, Options{Scope: scope})
	auth, _ := newAuthenticator(&AuthConfig{Type: AuthBearer, Token: "t0ken-value"}, nil, c.Redactor())
	if _, err := c.Do(context.Background(), get(t, srv.URL+"/old"), Call{Auth: auth}); err != nil {
		t.Fatal(err)
	}
	if referer != "" || authz != "Bearer t0ken-value" {
		t.Errorf("after the redirect: Referer %q, Authorization %q", referer, authz)
	}
}

// TestRedirectResendingACredentialBody: a 307 or 308 to another allowed
// origin is refused, once and for good, when the body it would send
// again holds a registered secret; one whose body holds none is followed,
// and a 302 (which drops the body) is followed either way.
func TestRedirectResendingACredentialBody(t *testing.T) {
	for _, c := range []struct {
		code    int
		body    string
		refused bool
	}{
		{http.StatusTemporaryRedirect, `{"q":"*","key":"b0dy-secret-1"}`, true},
		{http.StatusPermanentRedirect, `{"q":"*","key":"b0dy-secret-1"}`, true},
		{http.StatusTemporaryRedirect, `{"q":"*"}`, false},
		{http.StatusFound, `{"q":"*","key":"b0dy-secret-1"}`, false},
	} {
		var got []string
		other := serve(t, func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			got = append(got, r.Method+" "+string(b))
			io.WriteString(w, `{}`)
		})
		calls := 0
		api := serve(t, func(w http.ResponseWriter, r *http.Request) {
			calls++
			http.Redirect(w, r, other.URL+"/moved", c.code)
		})
		scope, _ := NewScope(api.URL, []string{other.URL})
		cl, _ := newTestClient(t, Options{Scope: scope})
		cl.Redactor().Add("b0dy-secret-1")
		req := get(t, api.URL+"/search")
		req.Method = http.MethodPost
		var v any
		json.Unmarshal([]byte(c.body), &v)
		req.JSON = v
		_, err := cl.Do(context.Background(), req, Call{})
		switch {
		case c.refused && (err == nil || !errors.Is(err, errResendsCredential) || calls != 1 || len(got) != 0):
			t.Errorf("%d %s: err = %v, %d calls, other origin got %q; want refused once", c.code, c.body, err, calls, got)
		case !c.refused && err != nil:
			t.Errorf("%d %s: %v", c.code, c.body, err)
		}
		for _, g := range got {
			if strings.Contains(g, "b0dy-secret-1") {
				t.Errorf("%d: the other origin got %q", c.code, g)
			}
		}
	}
}

// TestTokenRequestRedirectRefused: a token endpoint that redirects to
// another origin does not get the client secret sent there.
func TestTokenRequestRedirectRefused(t *testing.T) {
	var hits int
	evil := serve(t, func(w http.ResponseWriter, r *http.Request) { hits++ })
	tok := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, evil.URL+"/token", http.StatusTemporaryRedirect)
	})
	a, err := newAuthenticator(&AuthConfig{Type: AuthOAuth2ClientCredentials, TokenURL: tok.URL, ClientID: "id", ClientSecret: "s3cret-value", ClientAuth: "body"}, nil, NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	err = a.Authenticate(context.Background(), get(t, "https://api.test/"))
	if err == nil || !strings.Contains(err.Error(), "redirected to") || hits != 0 {
		t.Errorf("err = %v, other origin hit %d times", err, hits)
	}
}

// customAuth stands for an authenticator built in another package (the
// refresh-token and broker kinds): the client knows nothing of it but
// what it sets.
type customAuth struct{}

func (customAuth) Authenticate(_ context.Context, r *Request) error {
	r.Header.Set("X-Vendor-Auth", "vend0r-secret-1")
	setQuery(r, "sig", "vend0r-secret-2")
	return nil
}

// TestScopeHoldsForAnyAuthenticator: the client, not the authenticator,
// enforces the scope: a foreign URL fails before anything is sent, and a
// redirect to an allowed origin drops what any authenticator set.
func TestScopeHoldsForAnyAuthenticator(t *testing.T) {
	var seen []string
	other := serve(t, func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.RawQuery+" "+r.Header.Get("X-Vendor-Auth")+" "+r.Header.Get("Referer"))
		io.WriteString(w, `{}`)
	})
	api := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/moved?"+r.URL.RawQuery, http.StatusFound)
	})
	scope, _ := NewScope(api.URL, nil)
	c, _ := newTestClient(t, Options{Scope: scope})
	_, err := c.Do(context.Background(), get(t, other.URL+"/x"), Call{Auth: customAuth{}})
	if !errors.Is(err, ErrOutOfScope) || len(seen) != 0 {
		t.Fatalf("foreign URL: err %v, other origin saw %q", err, seen)
	}
	_, err = c.Do(context.Background(), get(t, api.URL+"/x?a=1"), Call{Auth: customAuth{}})
	if !errors.Is(err, ErrOutOfScope) || !strings.Contains(err.Error(), "redirect to "+other.URL+"/moved?a=1&sig=***") || len(seen) != 0 {
		t.Fatalf("redirect outside the scope: err %v, other origin saw %q", err, seen)
	}
	u, _ := url.Parse(other.URL)
	scope, _ = NewScope(api.URL, []string{u.Host})
	c, _ = newTestClient(t, Options{Scope: scope})
	if _, err := c.Do(context.Background(), get(t, api.URL+"/x?a=1"), Call{Auth: customAuth{}}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != "a=1  " {
		t.Errorf("the allowed origin saw %q, want the query without sig and no header", seen)
	}
}

func TestScopeCheckDial(t *testing.T) {
	s, _ := NewScope("https://api.acme.test/", nil)
	for addr, ok := range map[string]bool{"203.0.113.7:443": true, "169.254.169.254:80": false, "[fe80::1]:443": false, "[fd00:ec2::254]:80": false} {
		if err := s.checkDial("tcp4", addr, nil); (err == nil) != ok {
			t.Errorf("%s: %v", addr, err)
		}
	}
	listed, _ := NewScope("https://api.acme.test/", []string{"169.254.169.254"})
	if err := listed.checkDial("tcp4", "169.254.169.254:80", nil); err != nil {
		t.Errorf("listed metadata address refused: %v", err)
	}
}

// TestErrorAfterRedirectNamesIt: an error status that a redirect's
// target answered names that target, and, for another origin, that no
// credential was sent there: the 401 of an allowed host that got the
// request without the token read as if the API refused the token.
func TestErrorAfterRedirectNamesIt(t *testing.T) {
	other := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"success":false,"error":"unauthorized access"}`)
	})
	api := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/deals" {
			http.Redirect(w, r, other.URL+"/api/v1/deals?"+r.URL.RawQuery, http.StatusMovedPermanently)
			return
		}
		if r.URL.Path == "/v1/old" {
			http.Redirect(w, r, "/v1/gone", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNotFound)
	})
	scope, _ := NewScope(api.URL, []string{other.URL})
	c, _ := newTestClient(t, Options{Scope: scope})
	c.Redactor().Add("t0ken-123")

	_, err := c.Do(context.Background(), get(t, api.URL+"/v1/deals?api_token=t0ken-123&limit=2"), Call{})
	var herr *HTTPError
	if !errors.As(err, &herr) || herr.StatusCode != 401 || !herr.Foreign {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"GET " + api.URL + "/v1/deals?", "redirected to " + other.URL + "/api/v1/deals?limit=2", "no credential was sent there", "which answered 401 Unauthorized"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "t0ken-123") {
		t.Errorf("err holds the token: %v", err)
	}

	_, err = c.Do(context.Background(), get(t, api.URL+"/v1/old"), Call{})
	if !errors.As(err, &herr) || herr.Foreign || !strings.Contains(err.Error(), "redirected to "+api.URL+"/v1/gone, which answered 404 Not Found") {
		t.Errorf("same origin: err = %v", err)
	}
}
