package fakeapi

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Snyk OAuth2 (A.10): POST /oauth2/token with the client_credentials,
// refresh_token and authorization_code (PKCE S256) grants, POST
// /oauth2/revoke and GET /oauth2/authorize. Refresh tokens are single-use
// and rotate: a refresh returns a new pair and the old refresh token is
// dead, so reusing it answers 400 invalid_grant.

// Route patterns of the OAuth2 endpoints, as Count names them.
const (
	RouteOAuthToken     = "POST /oauth2/token"
	RouteOAuthRevoke    = "POST /oauth2/revoke"
	RouteOAuthAuthorize = "GET /oauth2/authorize"
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

type oauthState struct {
	mu       sync.Mutex
	clients  map[string]*oauthClient
	access   map[string]accessToken
	refresh  map[string]string // live refresh token → client id
	consumed map[string]bool   // refresh tokens already used or revoked
	codes    map[string]authCode

	refreshGrants   atomic.Int64
	refreshRejected atomic.Int64
}

func newOAuthState() *oauthState {
	return &oauthState{
		clients: map[string]*oauthClient{}, access: map[string]accessToken{},
		refresh: map[string]string{}, consumed: map[string]bool{}, codes: map[string]authCode{},
	}
}

// AddOAuthClient registers an OAuth2 client (a Snyk App or service
// account) with its secret and allowed redirect URIs; the first URI is
// used when an authorize request names none.
func (s *Server) AddOAuthClient(clientID, clientSecret string, redirectURIs ...string) {
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	o.clients[clientID] = &oauthClient{
		id: clientID, secret: clientSecret, redirectURIs: redirectURIs,
		botID: s.data.h.uuid(kUser, uint64(len(o.clients))+100, 7),
	}
}

// AddRefreshToken makes token a live refresh token of clientID, as if
// issued by an earlier authorization.
func (s *Server) AddRefreshToken(clientID, token string) {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	s.oauth.refresh[token] = clientID
}

// RefreshGrants returns the number of successful refresh_token grants,
// each of which consumed one refresh token.
func (s *Server) RefreshGrants() int64 { return s.oauth.refreshGrants.Load() }

// RefreshRejected returns the number of refresh_token grants refused with
// invalid_grant (reused, revoked or unknown refresh tokens).
func (s *Server) RefreshRejected() int64 { return s.oauth.refreshRejected.Load() }

// LiveRefreshTokens returns the number of refresh tokens that can still
// be used once.
func (s *Server) LiveRefreshTokens() int {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	return len(s.oauth.refresh)
}

func (s *Server) routeSnykOAuth() {
	s.handle(RouteOAuthToken, famOAuth, s.serveToken)
	s.handle(RouteOAuthRevoke, famOAuth, s.serveRevoke)
	s.handle(RouteOAuthAuthorize, famOAuth, s.serveAuthorize)
}

func randomToken(prefix string) string {
	b := make([]byte, 24)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// writeOAuthError writes an RFC 6749 error.
func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// readForm parses a form-encoded body; on failure it has written a 400.
func readForm(w http.ResponseWriter, r *http.Request, errCode func(http.ResponseWriter, string)) (url.Values, bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		errCode(w, "Content-Type must be application/x-www-form-urlencoded")
		return nil, false
	}
	if err := r.ParseForm(); err != nil {
		errCode(w, "malformed form body")
		return nil, false
	}
	return r.PostForm, true
}

func oauthBadRequest(w http.ResponseWriter, desc string) {
	writeOAuthError(w, http.StatusBadRequest, "invalid_request", desc)
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

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	form, ok := readForm(w, r, oauthBadRequest)
	if !ok {
		return
	}
	switch form.Get("grant_type") {
	case "client_credentials":
		s.grantClientCredentials(w, r, form)
	case "refresh_token":
		s.grantRefresh(w, r, form)
	case "authorization_code":
		s.grantCode(w, r, form)
	case "":
		oauthBadRequest(w, "missing grant_type")
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type "+strconv.Quote(form.Get("grant_type"))+" is not supported")
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

// mint issues an access token (and a refresh token when withRefresh);
// o.mu must be held.
func (s *Server) mint(c *oauthClient, service, withRefresh bool) tokenReply {
	o := s.oauth
	prefix := "snyk_uat."
	if service {
		prefix = "snyk_sat."
	}
	rep := tokenReply{
		AccessToken: randomToken(prefix),
		ExpiresIn:   int(s.cfg.OAuthTokenTTL / time.Second),
		TokenType:   "bearer",
		Scope:       oauthScope,
		BotID:       c.botID,
	}
	o.access[rep.AccessToken] = accessToken{clientID: c.id, service: service, expires: s.cfg.Now().Add(s.cfg.OAuthTokenTTL)}
	if withRefresh {
		rep.RefreshToken = randomToken("snyk_urt.")
		rep.RefreshExpiresIn = 15552000
		o.refresh[rep.RefreshToken] = c.id
	}
	return rep
}

func writeTokenReply(w http.ResponseWriter, rep tokenReply) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(rep)
}

func (s *Server) grantClientCredentials(w http.ResponseWriter, r *http.Request, form url.Values) {
	if form.Get("client_assertion") != "" {
		oauthBadRequest(w, "fakeapi does not verify client assertions; use client_secret")
		return
	}
	id, secret := clientCreds(r, form)
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.clients[id]
	if !secretOK(c, secret) {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	writeTokenReply(w, s.mint(c, true, false))
}

func (s *Server) grantRefresh(w http.ResponseWriter, r *http.Request, form url.Values) {
	rt := form.Get("refresh_token")
	id, secret := clientCreds(r, form)
	if rt == "" || secret == "" {
		oauthBadRequest(w, "refresh_token and client_secret are required")
		return
	}
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	owner, live := o.refresh[rt]
	if !live {
		o.refreshRejected.Add(1)
		desc := "The provided refresh token is invalid, expired or revoked"
		if o.consumed[rt] {
			desc = "The provided refresh token has already been used"
		}
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", desc)
		return
	}
	if id == "" {
		id = owner
	}
	c := o.clients[id]
	if id != owner || !secretOK(c, secret) {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	delete(o.refresh, rt)
	o.consumed[rt] = true
	o.refreshGrants.Add(1)
	writeTokenReply(w, s.mint(c, false, true))
}

func (s *Server) grantCode(w http.ResponseWriter, r *http.Request, form url.Values) {
	code, verifier := form.Get("code"), form.Get("code_verifier")
	id, secret := clientCreds(r, form)
	if code == "" || id == "" || secret == "" || verifier == "" {
		oauthBadRequest(w, "code, client_id, client_secret and code_verifier are required")
		return
	}
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.clients[id]
	if !secretOK(c, secret) {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	ac, ok := o.codes[code]
	delete(o.codes, code) // single use, whatever the outcome
	switch {
	case !ok || ac.clientID != id || s.cfg.Now().After(ac.expires):
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "authorization code is invalid, expired or already used")
	case form.Has("redirect_uri") && form.Get("redirect_uri") != ac.redirectURI:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
	case len(verifier) < 43 || len(verifier) > 128:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier must be 43 to 128 characters")
	case pkceChallenge(verifier) != ac.challenge:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
	default:
		writeTokenReply(w, s.mint(c, false, true))
	}
}

// pkceChallenge is the S256 challenge of a verifier.
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request) {
	form, ok := readForm(w, r, oauthBadRequest)
	if !ok {
		return
	}
	id, secret := clientCreds(r, form)
	tok := form.Get("token")
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	if !secretOK(o.clients[id], secret) {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if tok == "" {
		oauthBadRequest(w, "token is required")
		return
	}
	if a, ok := o.access[tok]; ok && a.clientID == id {
		delete(o.access, tok)
	}
	if owner, ok := o.refresh[tok]; ok && owner == id {
		delete(o.refresh, tok)
		o.consumed[tok] = true
	}
	w.WriteHeader(http.StatusOK) // also for unknown or dead tokens
}

func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.clients[q.Get("client_id")]
	if c == nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_client", "unknown client_id")
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" && len(c.redirectURIs) > 0 {
		redirect = c.redirectURIs[0]
	}
	if !contains(c.redirectURIs, redirect) {
		// Never redirect to an unregistered URI.
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "redirect_uri is not registered for this client")
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
		code := randomToken("")
		o.codes[code] = authCode{clientID: c.id, redirectURI: redirect, challenge: q.Get("code_challenge"), expires: s.cfg.Now().Add(codeTTL)}
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

// snykCaller authenticates a Snyk REST or v1 request: the API token with
// either scheme, or a live OAuth2 access token as a bearer token. The
// caller is a user, or a service account for client_credentials tokens.
func (s *Server) snykCaller(r *http.Request) (Self, bool) {
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || cred == "" {
		return Self{}, false
	}
	cred = strings.TrimSpace(cred)
	scheme = strings.ToLower(scheme)
	if scheme != "token" && scheme != "bearer" {
		return Self{}, false
	}
	if s.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(cred), []byte(s.cfg.Token)) == 1 {
		return s.data.self, true
	}
	if scheme != "bearer" {
		return Self{}, false
	}
	o := s.oauth
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.access[cred]
	if !ok || !s.cfg.Now().Before(a.expires) {
		return Self{}, false
	}
	if a.service {
		return Self{
			ID: o.clients[a.clientID].botID, Type: "service_account",
			Attributes: SelfAttributes{Name: "service account " + a.clientID, DefaultOrgContext: s.data.self.Attributes.DefaultOrgContext},
		}, true
	}
	return s.data.self, true
}
