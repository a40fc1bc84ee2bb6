package snykoauth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// TestServer is a Provider served by an httptest server with one client
// registered, for tests of OAuth2 clients.
type TestServer struct {
	*Provider
	// URL is the server's base address. Endpoints: /oauth2/authorize,
	// /oauth2/token, /oauth2/revoke, and /api (200 with a live bearer
	// access token, else 401 as Snyk's REST API answers).
	URL string
	// ClientID and ClientSecret are the registered client's.
	ClientID, ClientSecret string
}

// DefaultRedirectURI is the client's redirect URI when NewTestServer is
// given none: pipe auth login's loopback callback (any port matches).
const DefaultRedirectURI = "http://127.0.0.1/callback"

// NewTestServer starts a provider configured by c with the client
// "client-1" allowed redirectURIs (default DefaultRedirectURI); the
// server is closed when the test ends.
func NewTestServer(t testing.TB, c Config, redirectURIs ...string) *TestServer {
	if len(redirectURIs) == 0 {
		redirectURIs = []string{DefaultRedirectURI}
	}
	s := &TestServer{Provider: New(c), ClientID: "client-1", ClientSecret: "client-secret-1"}
	s.AddClient(s.ClientID, s.ClientSecret, redirectURIs...)
	mux := http.NewServeMux()
	s.Register(func(pattern string, h http.HandlerFunc) { mux.HandleFunc(pattern, h) })
	mux.HandleFunc("/api", s.serveAPI)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// TokenURL is the token endpoint's address.
func (s *TestServer) TokenURL() string { return s.URL + "/oauth2/token" }

// AuthorizeURL is the authorize endpoint's address.
func (s *TestServer) AuthorizeURL() string { return s.URL + "/oauth2/authorize" }

// RevokeURL is the revoke endpoint's address.
func (s *TestServer) RevokeURL() string { return s.URL + "/oauth2/revoke" }

// IssueRefreshToken mints a live refresh token of the client, as a past
// login would have, in a grant of its own.
func (s *TestServer) IssueRefreshToken() string {
	t := fakecore.RandomToken("snyk_urt.")
	s.AddRefreshToken(s.ClientID, t)
	s.mu.Lock()
	s.issued = append(s.issued, t)
	s.mu.Unlock()
	return t
}

func (s *TestServer) serveAPI(w http.ResponseWriter, r *http.Request) {
	h := r.Header.Get("Authorization")
	tok, ok := "", false
	if i := strings.IndexByte(h, ' '); i > 0 && strings.EqualFold(h[:i], "bearer") {
		tok = h[i+1:]
	}
	if tok != "" {
		_, ok = s.Lookup(tok)
	}
	w.Header().Set("Content-Type", "application/vnd.api+json")
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]any{"jsonapi": map[string]string{"version": "1.0"}, "errors": []map[string]string{{"status": "401", "detail": "Unauthorized"}}})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"jsonapi": map[string]string{"version": "1.0"}, "data": map[string]string{"type": "ok"}})
}
