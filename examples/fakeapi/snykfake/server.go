// Package snykfake is an offline fake of the Snyk REST and v1 APIs, with
// the Snyk OAuth2 server of package snykoauth, for tests, benchmarks and
// demos of pipe without network access or accounts.
//
// It follows the documented behaviour of the real APIs, limits and
// errors included (the project's API notes, section A): the required
// version parameter and release dates, limit rules, relative next links
// with opaque cursors, JSON:API error documents, Snyk's rate limits and
// single-use rotating refresh tokens. Data is generated deterministically
// from Config.Seed; Snapshot returns all of it so tests can compare a
// loaded database row for row.
//
// A Server registers its routes on a fakecore.Router: /rest/ (REST),
// /v1/ (v1) and /oauth2/ (OAuth2).
package snykfake

import (
	"net/http"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

// Config sizes the fake's data and sets its credentials.
type Config struct {
	// Orgs is the number of orgs; ProjectsPerOrg and IssuesPerOrg size
	// each org.
	Orgs, ProjectsPerOrg, IssuesPerOrg int
	// Seed makes the data: the same Config gives the same data.
	Seed int64
	// Token is the API token accepted as "token <T>" or "bearer <T>"
	// (scheme case-insensitive). Empty accepts no API token; access tokens
	// minted by the OAuth2 endpoints are accepted as bearer tokens.
	Token string
	// OAuthTokenTTL is the lifetime of OAuth2 access tokens (default
	// 3599s, as Snyk's).
	OAuthTokenTTL time.Duration
	// Now is the clock (default time.Now). It decides token expiry and
	// which version dates are in the future; the data's own timestamps do
	// not depend on it.
	Now func() time.Time
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	cfg   Config
	data  *dataset
	oauth *snykoauth.Provider
}

// New builds a fake serving the data described by c.
func New(c Config) *Server {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.OAuthTokenTTL <= 0 {
		c.OAuthTokenTTL = 3599 * time.Second
	}
	s := &Server{cfg: c, data: newDataset(c)}
	s.oauth = s.newOAuth()
	return s
}

// Register adds every route of the fake to rt.
func (s *Server) Register(rt *fakecore.Router) {
	s.routeREST(rt)
	s.routeV1(rt)
	s.routeOAuth(rt)
}

// Snyk allows 1620 requests per minute per token and 180 for package
// issues (A.9); the fake scales the second budget from the router's rate
// limit in the same proportion.
const (
	snykRateLimit    = 1620
	packageRateLimit = 180
)

// The API families of the fake, for faults and rate limits.
var (
	restAPI = &fakecore.API{Name: "snyk-rest", WriteError: writeRESTError}
	// packageIssuesAPI is restAPI plus the package-issues budget.
	packageIssuesAPI = &fakecore.API{Name: restAPI.Name, WriteError: writeRESTError, Budgets: []fakecore.Budget{{
		Key:       "snyk-package-issues",
		PerMinute: func(limit int) int { return max(1, limit*packageRateLimit/snykRateLimit) },
	}}}
	v1API = &fakecore.API{Name: "snyk-v1", WriteError: writeV1Error}
)

// writeRESTError is writeAPIError without a parameter.
func writeRESTError(w http.ResponseWriter, status int, msg string) { writeAPIError(w, status, msg, "") }
