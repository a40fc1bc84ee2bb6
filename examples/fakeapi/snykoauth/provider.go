// Package snykoauth is a fake of Snyk's OAuth2 authorization server
// (A.10), usable alone (Handler) or inside a larger fake (Register):
// POST /oauth2/token with the client_credentials, refresh_token and
// authorization_code (PKCE S256) grants, POST /oauth2/revoke and GET
// /oauth2/authorize. Refresh tokens are single-use and rotate: a refresh
// returns a new pair and the old refresh token is dead, so reusing it
// answers 400 invalid_grant. With Config.RevokeGrantOnReuse a reused
// refresh token also revokes its whole grant, as providers with refresh
// token reuse detection do (OAuth 2.0 Security BCP, RFC 9700 section
// 4.14.2). Tests drive it with hooks (SetRefreshDelay, AfterRotate),
// counters and NewTestServer, which adds an /api endpoint.
package snykoauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// Route patterns of the endpoints, as Register names them.
const (
	RouteToken     = "POST /oauth2/token"
	RouteRevoke    = "POST /oauth2/revoke"
	RouteAuthorize = "GET /oauth2/authorize"
)

// oauthScope is the scope every token of the fake carries.
const oauthScope = "org.read org.project.read org.project.snapshot.read"

// codeTTL is how long an authorization code may be exchanged.
const codeTTL = 10 * time.Minute

type oauthClient struct {
	id, secret   string
	redirectURIs []string
	botID        string
}

type accessToken struct {
	clientID string
	service  bool // client_credentials: /self answers a service account
	expires  time.Time
}

type authCode struct {
	clientID, redirectURI, challenge string
	expires                          time.Time
}

// Provider is the fake Snyk OAuth2 authorization server. Its methods
// are safe for concurrent use.
type Provider struct {
	cfg Config

	mu       sync.Mutex
	clients  map[string]*oauthClient
	access   map[string]accessToken
	refresh  map[string]string // live refresh token → client id
	consumed map[string]bool   // refresh tokens already used or revoked
	codes    map[string]authCode
	grantOf  map[string]int // access or refresh token → its grant
	grants   int

	// Test hooks and records (hooks.go).
	delay       time.Duration
	afterRotate func()
	issued      []string
	revoked     []string
	lastForm    url.Values
	lastBasic   bool

	refreshGrants   atomic.Int64
	refreshRejected atomic.Int64
	reuses          atomic.Int64
	exchanges       atomic.Int64
}

// Config sets the provider's clock, token lifetime and service account
// ids.
type Config struct {
	// Now is the clock (default time.Now): it decides token and code
	// expiry.
	Now func() time.Time
	// TokenTTL is the lifetime of access tokens (default 3599s, as
	// Snyk's).
	TokenTTL time.Duration
	// BotID returns the id of the service account of the n-th client
	// registered, from 0 (default: a fixed UUID made from n).
	BotID func(n int) string
	// RevokeGrantOnReuse makes a spent refresh token presented again
	// revoke its grant: the refresh token that replaced it and every
	// access token of the grant die too (RFC 9700 section 4.14.2).
	RevokeGrantOnReuse bool
}

// New returns a provider with no clients.
func New(c Config) *Provider {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = 3599 * time.Second
	}
	if c.BotID == nil {
		c.BotID = func(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }
	}
	return &Provider{
		cfg:     c,
		clients: map[string]*oauthClient{}, access: map[string]accessToken{},
		refresh: map[string]string{}, consumed: map[string]bool{}, codes: map[string]authCode{},
		grantOf: map[string]int{},
	}
}

// AddClient registers an OAuth2 client (a Snyk App or service account)
// with its secret and allowed redirect URIs; the first URI is used when
// an authorize request names none.
func (p *Provider) AddClient(clientID, clientSecret string, redirectURIs ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clients[clientID] = &oauthClient{
		id: clientID, secret: clientSecret, redirectURIs: redirectURIs,
		botID: p.cfg.BotID(len(p.clients)),
	}
}

// AddRefreshToken makes token a live refresh token of clientID, as if
// issued by an earlier authorization.
func (p *Provider) AddRefreshToken(clientID, token string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refresh[token] = clientID
	p.grants++
	p.grantOf[token] = p.grants
}

// RefreshGrants returns the number of successful refresh_token grants,
// each of which consumed one refresh token.
func (p *Provider) RefreshGrants() int64 { return p.refreshGrants.Load() }

// RefreshRejected returns the number of refresh_token grants refused with
// invalid_grant (reused, revoked or unknown refresh tokens).
func (p *Provider) RefreshRejected() int64 { return p.refreshRejected.Load() }

// LiveRefreshTokens returns the number of refresh tokens that can still
// be used once.
func (p *Provider) LiveRefreshTokens() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.refresh)
}

// Register registers the endpoints with handle, one call per route
// pattern (RouteToken, RouteRevoke, RouteAuthorize), for a server that
// serves them beside other routes.
func (p *Provider) Register(handle func(pattern string, h http.HandlerFunc)) {
	handle(RouteToken, p.serveToken)
	handle(RouteRevoke, p.serveRevoke)
	handle(RouteAuthorize, p.serveAuthorize)
}

// Handler serves the endpoints alone.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	p.Register(func(pattern string, h http.HandlerFunc) { mux.HandleFunc(pattern, h) })
	return mux
}

// Token is what the provider knows of a live access token.
type Token struct {
	ClientID string
	// Service is true for a client_credentials token: the caller is the
	// client's service account, BotID.
	Service bool
	BotID   string
}

// Lookup returns the live, unexpired access token tok.
func (p *Provider) Lookup(tok string) (Token, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.access[tok]
	if !ok || !p.cfg.Now().Before(a.expires) {
		return Token{}, false
	}
	return Token{ClientID: a.clientID, Service: a.service, BotID: p.clients[a.clientID].botID}, true
}

func oauthBadRequest(w http.ResponseWriter, desc string) {
	fakecore.WriteOAuthError(w, http.StatusBadRequest, "invalid_request", desc)
}

// clientCreds reads client_id and client_secret from the form or from
// HTTP Basic auth.
func clientCreds(r *http.Request, form url.Values) (id, secret string) {
	id, secret = form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		if id == "" {
			id = u
		}
		if secret == "" {
			secret = p
		}
	}
	return id, secret
}

func secretOK(c *oauthClient, secret string) bool {
	return c != nil && subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) == 1
}

func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	form, ok := fakecore.ReadForm(w, r, oauthBadRequest)
	if !ok {
		return
	}
	_, _, basic := r.BasicAuth()
	p.mu.Lock()
	p.lastForm, p.lastBasic = form, basic
	p.mu.Unlock()
	switch form.Get("grant_type") {
	case "client_credentials":
		p.grantClientCredentials(w, r, form)
	case "refresh_token":
		p.grantRefresh(w, r, form)
	case "authorization_code":
		p.grantCode(w, r, form)
	case "":
		oauthBadRequest(w, "missing grant_type")
	default:
		fakecore.WriteOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type "+strconv.Quote(form.Get("grant_type"))+" is not supported")
	}
}

// tokenReply is the token endpoint's answer (A.10).
type tokenReply struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int    `json:"expires_in"`
	RefreshToken     string `json:"refresh_token,omitempty"`
	RefreshExpiresIn int    `json:"refresh_expires_in,omitempty"`
	TokenType        string `json:"token_type"`
	Scope            string `json:"scope"`
	BotID            string `json:"bot_id"`
}

// mint issues an access token (and a refresh token when withRefresh) of
// grant (0: a new grant); p.mu must be held.
func (p *Provider) mint(c *oauthClient, service, withRefresh bool, grant int) tokenReply {
	if grant == 0 {
		p.grants++
		grant = p.grants
	}
	prefix := "snyk_uat."
	if service {
		prefix = "snyk_sat."
	}
	rep := tokenReply{
		AccessToken: fakecore.RandomToken(prefix),
		ExpiresIn:   int(p.cfg.TokenTTL / time.Second),
		TokenType:   "bearer",
		Scope:       oauthScope,
		BotID:       c.botID,
	}
	p.access[rep.AccessToken] = accessToken{clientID: c.id, service: service, expires: p.cfg.Now().Add(p.cfg.TokenTTL)}
	p.grantOf[rep.AccessToken] = grant
	p.issued = append(p.issued, rep.AccessToken)
	if withRefresh {
		rep.RefreshToken = fakecore.RandomToken("snyk_urt.")
		rep.RefreshExpiresIn = 15552000
		p.refresh[rep.RefreshToken] = c.id
		p.grantOf[rep.RefreshToken] = grant
		p.issued = append(p.issued, rep.RefreshToken)
	}
	return rep
}

func writeTokenReply(w http.ResponseWriter, rep tokenReply) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(rep)
}

func (p *Provider) grantClientCredentials(w http.ResponseWriter, r *http.Request, form url.Values) {
	if form.Get("client_assertion") != "" {
		oauthBadRequest(w, "the fake does not verify client assertions; use client_secret")
		return
	}
	id, secret := clientCreds(r, form)
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.clients[id]
	if !secretOK(c, secret) {
		fakecore.WriteOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	writeTokenReply(w, p.mint(c, true, false, 0))
}

func (p *Provider) grantRefresh(w http.ResponseWriter, r *http.Request, form url.Values) {
	rt := form.Get("refresh_token")
	id, secret := clientCreds(r, form)
	if rt == "" || secret == "" {
		oauthBadRequest(w, "refresh_token and client_secret are required")
		return
	}
	p.mu.Lock()
	owner, live := p.refresh[rt]
	if !live {
		p.refreshRejected.Add(1)
		desc := "The provided refresh token is invalid, expired or revoked"
		if p.consumed[rt] {
			desc = "The provided refresh token has already been used"
			p.reuses.Add(1)
			if p.cfg.RevokeGrantOnReuse {
				p.revokeGrant(p.grantOf[rt])
			}
		}
		p.mu.Unlock()
		fakecore.WriteOAuthError(w, http.StatusBadRequest, "invalid_grant", desc)
		return
	}
	if id == "" {
		id = owner
	}
	c := p.clients[id]
	if id != owner || !secretOK(c, secret) {
		p.mu.Unlock()
		fakecore.WriteOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	delete(p.refresh, rt) // spent before anything else can use it
	p.consumed[rt] = true
	delay, hook := p.delay, p.afterRotate
	p.mu.Unlock()
	time.Sleep(delay)
	p.mu.Lock()
	rep := p.mint(c, false, true, p.grantOf[rt])
	p.mu.Unlock()
	p.refreshGrants.Add(1)
	if hook != nil {
		hook()
	}
	writeTokenReply(w, rep)
}

// revokeGrant kills every refresh and access token of grant; p.mu is held.
func (p *Provider) revokeGrant(grant int) {
	for t, g := range p.grantOf {
		if g != grant {
			continue
		}
		if _, ok := p.refresh[t]; ok {
			delete(p.refresh, t)
			p.consumed[t] = true
		}
		delete(p.access, t)
	}
}

func (p *Provider) grantCode(w http.ResponseWriter, r *http.Request, form url.Values) {
	code, verifier := form.Get("code"), form.Get("code_verifier")
	id, secret := clientCreds(r, form)
	if code == "" || id == "" || secret == "" || verifier == "" {
		oauthBadRequest(w, "code, client_id, client_secret and code_verifier are required")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.clients[id]
	if !secretOK(c, secret) {
		fakecore.WriteOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	ac, ok := p.codes[code]
	delete(p.codes, code) // single use, whatever the outcome
	switch {
	case !ok || ac.clientID != id || p.cfg.Now().After(ac.expires):
		fakecore.WriteOAuthError(w, http.StatusBadRequest, "invalid_grant", "authorization code is invalid, expired or already used")
	case form.Has("redirect_uri") && form.Get("redirect_uri") != ac.redirectURI:
		fakecore.WriteOAuthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
	case len(verifier) < 43 || len(verifier) > 128:
		fakecore.WriteOAuthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier must be 43 to 128 characters")
	case pkceChallenge(verifier) != ac.challenge:
		fakecore.WriteOAuthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
	default:
		p.exchanges.Add(1)
		writeTokenReply(w, p.mint(c, false, true, 0))
	}
}

// pkceChallenge is the S256 challenge of a verifier.
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (p *Provider) serveRevoke(w http.ResponseWriter, r *http.Request) {
	form, ok := fakecore.ReadForm(w, r, oauthBadRequest)
	if !ok {
		return
	}
	id, secret := clientCreds(r, form)
	tok := form.Get("token")
	p.mu.Lock()
	defer p.mu.Unlock()
	if !secretOK(p.clients[id], secret) {
		fakecore.WriteOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if tok == "" {
		oauthBadRequest(w, "token is required")
		return
	}
	p.revoked = append(p.revoked, tok)
	if a, ok := p.access[tok]; ok && a.clientID == id {
		delete(p.access, tok)
	}
	if owner, ok := p.refresh[tok]; ok && owner == id {
		delete(p.refresh, tok)
		p.consumed[tok] = true
	}
	w.WriteHeader(http.StatusOK) // also for unknown or dead tokens
}

func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.clients[q.Get("client_id")]
	if c == nil {
		fakecore.WriteOAuthError(w, http.StatusBadRequest, "invalid_client", "unknown client_id")
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" && len(c.redirectURIs) > 0 {
		redirect = c.redirectURIs[0]
	}
	if !slices.ContainsFunc(c.redirectURIs, func(reg string) bool { return redirectMatches(reg, redirect) }) {
		// Never redirect to an unregistered URI.
		fakecore.WriteOAuthError(w, http.StatusBadRequest, "invalid_request", "redirect_uri is not registered for this client")
		return
	}
	state := q.Get("state")
	fail := func(code, desc string) {
		v := url.Values{"error": {code}, "error_description": {desc}}
		if state != "" {
			v.Set("state", state)
		}
		http.Redirect(w, r, addQuery(redirect, v), http.StatusSeeOther)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
	case q.Get("code_challenge") == "":
		fail("invalid_request", "code_challenge is required")
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
	default:
		code := fakecore.RandomToken("")
		p.codes[code] = authCode{clientID: c.id, redirectURI: redirect, challenge: q.Get("code_challenge"), expires: p.cfg.Now().Add(codeTTL)}
		v := url.Values{"code": {code}}
		if state != "" {
			v.Set("state", state)
		}
		http.Redirect(w, r, addQuery(redirect, v), http.StatusSeeOther)
	}
}

func addQuery(u string, v url.Values) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + v.Encode()
}

// redirectMatches reports whether redirect is the registered URI reg. A
// loopback URI matches whatever its port, as RFC 8252 section 7.3 asks
// of servers for native apps, which listen on a port of their choosing.
func redirectMatches(reg, redirect string) bool {
	if reg == redirect {
		return true
	}
	a, err1 := url.Parse(reg)
	b, err2 := url.Parse(redirect)
	if err1 != nil || err2 != nil || a.Scheme != "http" || !loopback(a.Hostname()) {
		return false
	}
	return b.Scheme == a.Scheme && b.Hostname() == a.Hostname() && b.Path == a.Path && b.RawQuery == a.RawQuery
}

func loopback(host string) bool {
	return host == "127.0.0.1" || host == "::1" || host == "localhost"
}
