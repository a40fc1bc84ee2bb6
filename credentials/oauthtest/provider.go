// Package oauthtest provides a fake OAuth2 provider that behaves like
// Snyk's (API-NOTES A.10): single-use rotating refresh tokens (a reused
// one gets 400 invalid_grant), PKCE S256 checked on the authorization
// code grant, an authorize endpoint that answers 303 to the redirect URI,
// revocation, and an API endpoint that accepts only live access tokens.
// It is strict about reuse, as providers with refresh token reuse
// detection are (OAuth 2.0 Security BCP, RFC 9700 section 4.14.2): a spent
// refresh token presented again revokes the whole grant, so the token
// that replaced it and every access token of the grant die too.
// It counts grants so tests can assert "exactly one refresh happened".
package oauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Provider is a fake OAuth2 authorization server.
type Provider struct {
	// URL is the server's base address. Endpoints: /oauth2/authorize,
	// /oauth2/token, /oauth2/revoke, and /api (200 with a live bearer token, else 401).
	URL string
	// ClientID and ClientSecret are the only client accepted.
	ClientID, ClientSecret string
	// ExpiresIn is the access tokens' lifetime in seconds (default 3599).
	ExpiresIn int

	mu          sync.Mutex
	refresh     map[string]bool // refresh token -> still usable
	access      map[string]bool // access token -> still accepted
	grantOf     map[string]int  // refresh or access token -> its grant
	grants      int
	reuses      int
	codes       map[string]authCode
	refreshes   int
	exchanges   int
	revoked     []string
	issued      []string // every token minted, for leak checks
	lastForm    url.Values
	lastBasic   bool
	delay       time.Duration
	afterRotate func()
}

type authCode struct {
	clientID, redirectURI, challenge string
}

// New starts a provider, closed when the test ends.
func New(t testing.TB) *Provider {
	p := &Provider{
		ClientID: "client-1", ClientSecret: "client-secret-1", ExpiresIn: 3599,
		refresh: map[string]bool{}, access: map[string]bool{}, codes: map[string]authCode{},
		grantOf: map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/authorize", p.authorize)
	mux.HandleFunc("POST /oauth2/token", p.token)
	mux.HandleFunc("POST /oauth2/revoke", p.revoke)
	mux.HandleFunc("/api", p.api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// TokenURL, AuthorizeURL and RevokeURL are the endpoints' addresses.
func (p *Provider) TokenURL() string { return p.URL + "/oauth2/token" }

// AuthorizeURL is the authorize endpoint's address.
func (p *Provider) AuthorizeURL() string { return p.URL + "/oauth2/authorize" }

// RevokeURL is the revoke endpoint's address.
func (p *Provider) RevokeURL() string { return p.URL + "/oauth2/revoke" }

// IssueRefreshToken mints a usable refresh token, as a past login would have.
func (p *Provider) IssueRefreshToken() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := "rt-" + random()
	p.refresh[t] = true
	p.grants++
	p.grantOf[t] = p.grants
	p.issued = append(p.issued, t)
	return t
}

// Reuses returns how many times a spent refresh token was presented
// again (each revoked its grant).
func (p *Provider) Reuses() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reuses
}

// Refreshes returns how many refresh_token grants succeeded.
func (p *Provider) Refreshes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refreshes
}

// Exchanges returns how many authorization_code grants succeeded.
func (p *Provider) Exchanges() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exchanges
}

// Revoked returns the tokens revoked so far.
func (p *Provider) Revoked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.revoked...)
}

// LastTokenRequest returns the form of the last token request and
// whether the client authenticated with HTTP Basic.
func (p *Provider) LastTokenRequest() (url.Values, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastForm, p.lastBasic
}

// Issued returns every access and refresh token minted so far, so tests
// can check that none of them leaked into logs or errors.
func (p *Provider) Issued() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.issued...)
}

// RefreshUsable reports whether refresh token t can still be used.
func (p *Provider) RefreshUsable(t string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refresh[t]
}

// ExpireAccessTokens makes every access token issued so far rejected by /api.
func (p *Provider) ExpireAccessTokens() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.access = map[string]bool{}
}

// SetRefreshDelay makes each refresh take d after the old token is
// spent and before the reply, widening the window in which a racing
// refresh would fail. It asserts nothing about time.
func (p *Provider) SetRefreshDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

// AfterRotate sets a hook run after a refresh token has been rotated and
// before the reply is sent (tests seal a vault or break a store there).
func (p *Provider) AfterRotate(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.afterRotate = f
}

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != p.ClientID ||
		q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" || q.Get("redirect_uri") == "" {
		http.Error(w, "invalid authorize request", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	code := "code-" + random()
	p.mu.Lock()
	p.codes[code] = authCode{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge")}
	p.mu.Unlock()
	rq := redirect.Query()
	rq.Set("code", code)
	if s := q.Get("state"); s != "" {
		rq.Set("state", s)
	}
	redirect.RawQuery = rq.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusSeeOther)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	u, pw, basic := r.BasicAuth()
	if basic {
		id, secret = u, pw
	}
	p.mu.Lock()
	p.lastForm, p.lastBasic = r.PostForm, basic
	p.mu.Unlock()
	if id != p.ClientID || secret != p.ClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		p.refreshGrant(w, r.PostForm.Get("refresh_token"))
	case "authorization_code":
		p.codeGrant(w, id, r.PostForm)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant type not supported")
	}
}

func (p *Provider) refreshGrant(w http.ResponseWriter, old string) {
	p.mu.Lock()
	if !p.refresh[old] {
		if _, known := p.refresh[old]; known {
			p.reuses++
			p.revokeGrant(p.grantOf[old])
		}
		p.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is invalid or was already used")
		return
	}
	p.refresh[old] = false // spent before anything else can use it
	grant := p.grantOf[old]
	delay, hook := p.delay, p.afterRotate
	p.mu.Unlock()
	time.Sleep(delay)
	resp := p.mint(grant)
	p.mu.Lock()
	p.refreshes++
	p.mu.Unlock()
	if hook != nil {
		hook()
	}
	writeJSON(w, http.StatusOK, resp)
}

// revokeGrant kills every refresh and access token of grant; p.mu is held.
func (p *Provider) revokeGrant(grant int) {
	for t, g := range p.grantOf {
		if g != grant {
			continue
		}
		if _, ok := p.refresh[t]; ok {
			p.refresh[t] = false
		}
		delete(p.access, t)
	}
}

func (p *Provider) codeGrant(w http.ResponseWriter, clientID string, form url.Values) {
	p.mu.Lock()
	c, ok := p.codes[form.Get("code")]
	delete(p.codes, form.Get("code"))
	p.mu.Unlock()
	if !ok || c.clientID != clientID || c.redirectURI != form.Get("redirect_uri") {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown code or redirect_uri mismatch")
		return
	}
	sum := sha256.Sum256([]byte(form.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		return
	}
	p.mu.Lock()
	p.grants++
	grant := p.grants
	p.mu.Unlock()
	resp := p.mint(grant)
	p.mu.Lock()
	p.exchanges++
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// mint issues a new access and refresh token pair of grant.
func (p *Provider) mint(grant int) map[string]any {
	at, rt := "at-"+random(), "rt-"+random()
	p.mu.Lock()
	p.access[at] = true
	p.refresh[rt] = true
	p.grantOf[at], p.grantOf[rt] = grant, grant
	p.issued = append(p.issued, at, rt)
	p.mu.Unlock()
	return map[string]any{"access_token": at, "refresh_token": rt, "expires_in": p.ExpiresIn,
		"refresh_expires_in": 15552000, "token_type": "bearer", "scope": "org.read", "bot_id": "bot-1"}
}

func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") != p.ClientID || r.PostForm.Get("client_secret") != p.ClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	t := r.PostForm.Get("token")
	p.mu.Lock()
	p.revoked = append(p.revoked, t)
	delete(p.refresh, t)
	delete(p.access, t)
	p.mu.Unlock()
	w.WriteHeader(http.StatusOK) // 200 even for an unknown token, as Snyk does
}

func (p *Provider) api(w http.ResponseWriter, r *http.Request) {
	const prefix = "bearer "
	h := r.Header.Get("Authorization")
	tok := ""
	if len(h) > len(prefix) && (h[:len(prefix)] == prefix || h[:len(prefix)] == "Bearer ") {
		tok = h[len(prefix):]
	}
	p.mu.Lock()
	ok := p.access[tok]
	p.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"errors": []map[string]string{{"status": "401", "detail": "Unauthorized"}}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func random() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
