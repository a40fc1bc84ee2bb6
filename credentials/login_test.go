package credentials_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

// startLogin runs Login in the background and returns the authorize URL
// it printed and a channel with its result.
func startLogin(t *testing.T, cfg credentials.LoginConfig) (*url.URL, <-chan error) {
	t.Helper()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := credentials.Login(context.Background(), cfg, pw)
		pw.Close()
		done <- err
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "http") {
			go io.Copy(io.Discard, pr)
			u, err := url.Parse(line)
			if err != nil {
				t.Fatal(err)
			}
			return u, done
		}
	}
	t.Fatalf("Login printed no URL; result %v", <-done)
	return nil, nil
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func loginConfig(p *snykoauth.TestServer, store secrets.Writer) credentials.LoginConfig {
	return credentials.LoginConfig{
		AuthorizeURL: p.AuthorizeURL(), TokenURL: p.TokenURL(), ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		Scopes: []string{"org.read", "org.project.read"}, AuthParams: map[string]string{"version": "2021-08-11~experimental"},
		Credential: "snyk", Store: store, Timeout: 30 * time.Second,
	}
}

// follow plays the browser: GET the authorize URL, take the 303, and
// call the loopback callback (after edit, if set, changes it).
func follow(t *testing.T, authURL *url.URL, edit func(*url.URL)) *http.Response {
	t.Helper()
	resp, err := noRedirect.Get(authURL.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("authorize answered %d, want 303", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(loc)
	}
	cb, err := http.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	cb.Body.Close()
	return cb
}

func TestLogin(t *testing.T) {
	ctx := context.Background()
	p := snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: true})
	store := secrets.NewFile(filepath.Join(t.TempDir(), "secrets.yml"))
	authURL, done := startLogin(t, loginConfig(p, store))

	q := authURL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != p.ClientID || q.Get("code_challenge_method") != "S256" ||
		len(q.Get("code_challenge")) != 43 || len(q.Get("state")) < 22 || q.Get("version") != "2021-08-11~experimental" {
		t.Errorf("authorize URL parameters: %v", q)
	}
	if !strings.Contains(authURL.RawQuery, "scope=org.read+org.project.read") {
		t.Errorf("scope not space-joined: %s", authURL.RawQuery)
	}
	redirect, _ := url.Parse(q.Get("redirect_uri"))
	if redirect.Scheme != "http" || redirect.Hostname() != "127.0.0.1" || redirect.Port() == "" || redirect.Path != "/callback" {
		t.Errorf("redirect_uri = %s", redirect)
	}
	if strings.Contains(authURL.String(), p.ClientSecret) {
		t.Errorf("authorize URL holds the client secret")
	}

	if resp := follow(t, authURL, nil); resp.StatusCode != 200 {
		t.Fatalf("callback answered %d", resp.StatusCode)
	}
	if err := <-done; err != nil {
		t.Fatalf("Login: %v", err)
	}
	if p.Exchanges() != 1 {
		t.Fatalf("exchanges = %d", p.Exchanges())
	}
	rt, err := store.Get(ctx, "snyk.refresh_token")
	if err != nil || !p.RefreshUsable(rt) {
		t.Fatalf("stored refresh token = %v (usable %v)", err, p.RefreshUsable(rt))
	}
	st, err := credentials.Status(ctx, store, "snyk")
	if err != nil || !st.RefreshToken || !st.AccessToken || st.Expiry.IsZero() {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	// The callback is closed once the login is over.
	if _, err := http.Get(redirect.String()); err == nil {
		t.Errorf("callback listener still open after Login returned")
	}
}

func TestLoginWrongState(t *testing.T) {
	p := snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: true})
	store := secrets.NewFile(filepath.Join(t.TempDir(), "secrets.yml"))
	authURL, done := startLogin(t, loginConfig(p, store))
	resp := follow(t, authURL, func(u *url.URL) {
		q := u.Query()
		q.Set("state", "forged-state")
		u.RawQuery = q.Encode()
	})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged callback answered %d, want 400", resp.StatusCode)
	}
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "state does not match") {
		t.Fatalf("Login = %v, want a state mismatch", err)
	}
	if p.Exchanges() != 0 {
		t.Errorf("code exchanged despite the wrong state")
	}
	if _, err := store.Get(context.Background(), "snyk.refresh_token"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("something was stored: %v", err)
	}
}

func TestLoginDeniedAndFixedPort(t *testing.T) {
	p := snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: true})
	store := secrets.NewFile(filepath.Join(t.TempDir(), "secrets.yml"))
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := loginConfig(p, store)
	cfg.Port = port
	authURL, done := startLogin(t, cfg)
	if want := "http://127.0.0.1:" + strconv.Itoa(port) + "/callback"; authURL.Query().Get("redirect_uri") != want {
		t.Fatalf("redirect_uri = %s, want %s", authURL.Query().Get("redirect_uri"), want)
	}
	// The user clicks "deny": the provider redirects with an error.
	cb := url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(port), Path: "/callback",
		RawQuery: url.Values{"error": {"access_denied"}, "error_description": {"user said no"}, "state": {authURL.Query().Get("state")}}.Encode()}
	resp, err := http.Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "access_denied: user said no") {
		t.Fatalf("Login = %v", err)
	}
}

func TestStatusFormat(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		st   credentials.CredentialStatus
		want string
	}{
		{credentials.CredentialStatus{Credential: "snyk"},
			"credential snyk\n  refresh token: none (run pipe auth login snyk)\n  access token: none cached\n"},
		{credentials.CredentialStatus{Credential: "snyk", RefreshToken: true, Where: "secrets file x", AccessToken: true, Expiry: now.Add(90 * time.Minute)},
			"credential snyk\n  refresh token: stored in secrets file x\n  access token: cached, expires 2025-01-01T13:30:00Z (in 1h30m0s)\n"},
		{credentials.CredentialStatus{Credential: "snyk", RefreshToken: true, Where: "w", AccessToken: true, Expiry: now.Add(-time.Minute)},
			"credential snyk\n  refresh token: stored in w\n  access token: cached, expired 2025-01-01T11:59:00Z\n"},
	}
	for _, tt := range tests {
		if got := tt.st.Format(now); got != tt.want {
			t.Errorf("Format =\n%s\nwant\n%s", got, tt.want)
		}
	}
}

func TestLogout(t *testing.T) {
	ctx := context.Background()
	p, store, cfg, _ := setup(t)
	a, _ := credentials.NewOAuth2RefreshToken(cfg)
	at := authenticate(t, a)
	rt, _ := store.Get(ctx, "snyk.refresh_token")

	bad := credentials.LogoutConfig{RevokeURL: p.RevokeURL(), ClientID: p.ClientID, ClientSecret: "wrong", Credential: "snyk", Store: store}
	if err := credentials.Logout(ctx, bad); err == nil || !strings.Contains(err.Error(), "nothing was deleted") {
		t.Fatalf("Logout with a failing revoke = %v", err)
	}
	if _, err := store.Get(ctx, "snyk.refresh_token"); err != nil {
		t.Fatalf("refresh token deleted although revocation failed")
	}

	good := bad
	good.ClientSecret = p.ClientSecret
	if err := credentials.Logout(ctx, good); err != nil {
		t.Fatal(err)
	}
	revoked := strings.Join(p.Revoked(), ",")
	if !strings.Contains(revoked, rt) || !strings.Contains(revoked, at) {
		t.Errorf("revoked %v, want the refresh and access tokens", p.Revoked())
	}
	st, _ := credentials.Status(ctx, store, "snyk")
	if st.RefreshToken || st.AccessToken {
		t.Errorf("tokens still stored after logout: %+v", st)
	}
	// Nothing stored: logout is a no-op.
	if err := credentials.Logout(ctx, good); err != nil {
		t.Errorf("second Logout: %v", err)
	}
	// Force deletes even when the revocation fails.
	store.Put(ctx, "snyk.refresh_token", "rt-x")
	bad.Force = true
	if err := credentials.Logout(ctx, bad); err != nil {
		t.Fatalf("forced Logout: %v", err)
	}
	if st, _ := credentials.Status(ctx, store, "snyk"); st.RefreshToken {
		t.Errorf("forced logout kept the refresh token")
	}
}

func TestLoginFixedRedirectURIBasicAuth(t *testing.T) {
	p := snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: true}, "http://localhost/oauth/done")
	store := secrets.NewFile(filepath.Join(t.TempDir(), "secrets.yml"))
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := loginConfig(p, store)
	cfg.RedirectURI = "http://localhost:" + strconv.Itoa(port) + "/oauth/done"
	cfg.BasicAuth = true
	cfg.TokenParams = map[string]string{"audience": "pipe"}
	authURL, done := startLogin(t, cfg)
	if got := authURL.Query().Get("redirect_uri"); got != cfg.RedirectURI {
		t.Fatalf("redirect_uri = %q", got)
	}
	follow(t, authURL, func(u *url.URL) { u.Host = "127.0.0.1:" + strconv.Itoa(port) })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	form, basic := p.LastTokenRequest()
	if !basic || form.Get("client_secret") != "" || form.Get("audience") != "pipe" || form.Get("redirect_uri") != cfg.RedirectURI {
		t.Errorf("token request: basic %v, form %v", basic, form)
	}
}

func TestLoginRejectsRedirectURIs(t *testing.T) {
	p := snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: true})
	store := secrets.NewFile(filepath.Join(t.TempDir(), "secrets.yml"))
	for _, uri := range []string{"https://127.0.0.1:8000/cb", "http://example.com:8000/cb", "http://127.0.0.1/cb", "http://10.0.0.1:80/cb", "http://127.0.0.1:80/cb?x=1"} {
		cfg := loginConfig(p, store)
		cfg.RedirectURI = uri
		if err := credentials.Login(context.Background(), cfg, io.Discard); err == nil || !strings.Contains(err.Error(), "redirect_uri") {
			t.Errorf("redirect_uri %q: %v", uri, err)
		}
	}
}
