package snykfake

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

// The Snyk OAuth2 server is package snykoauth; the Server serves it
// under /oauth2/ and accepts its access tokens on the Snyk APIs.

// newOAuth returns the OAuth2 server of s, whose service accounts get
// ids of the dataset.
func (s *Server) newOAuth() *snykoauth.Provider {
	return snykoauth.New(snykoauth.Config{
		Now:      s.cfg.Now,
		TokenTTL: s.cfg.OAuthTokenTTL,
		BotID:    func(n int) string { return s.data.h.UUID(kUser, uint64(n)+100, 7) },
	})
}

// OAuth returns the Snyk OAuth2 server.
func (s *Server) OAuth() *snykoauth.Provider { return s.oauth }

func (s *Server) routeOAuth(rt *fakecore.Router) {
	s.oauth.Register(func(pattern string, h http.HandlerFunc) { rt.Handle(pattern, nil, h) })
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
	a, ok := s.oauth.Lookup(cred)
	if !ok {
		return Self{}, false
	}
	if a.Service {
		return Self{
			ID: a.BotID, Type: "service_account",
			Attributes: SelfAttributes{Name: "service account " + a.ClientID, DefaultOrgContext: s.data.self.Attributes.DefaultOrgContext},
		}, true
	}
	return s.data.self, true
}
