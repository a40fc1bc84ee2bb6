// Package fakeapi is an offline HTTP server shaped like the Snyk REST, v1
// and OAuth2 APIs and the Checkmarx SCA API, for tests, benchmarks and
// demos of pipe without network access or accounts.
//
// The fakes follow the documented behaviour of the real APIs, limits and
// errors included (as gathered in the project's API notes, sections A, B, D):
// Snyk's required version parameter and release dates, its limit rules,
// relative next links with opaque cursors, JSON:API error documents,
// single-use rotating refresh tokens and PKCE; Checkmarx's password grant,
// expiring tokens, bare arrays and its default page of 10 scans. Data is
// generated deterministically from Config.Seed; Snapshot returns all of it
// so tests can compare a loaded database row for row.
//
// Everything is served by one handler (Handler) under these prefixes:
// /rest/ and /v1/ (Snyk), /oauth2/ (Snyk OAuth2), /identity/ and
// /risk-management/ (Checkmarx SCA).
package fakeapi

import (
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

// Config sizes the fake's data and sets its credentials and faults.
// Zero sizes mean none of that kind; DemoConfig gives usable values.
type Config struct {
	// Orgs is the number of Snyk orgs; ProjectsPerOrg and IssuesPerOrg
	// size each org. ProjectsPerOrg is also the number of Checkmarx
	// projects (the Checkmarx tenant is one org), each with
	// ScansPerProject scans.
	Orgs, ProjectsPerOrg, IssuesPerOrg, ScansPerProject int
	// Seed makes the data: the same Config gives the same data.
	Seed int64
	// Latency is added to every request.
	Latency time.Duration
	// RateLimit is the number of requests per minute and per credential
	// (the Authorization header) before 429, for every API route (not the
	// token endpoints); 0 turns it off. Snyk's package-issues endpoint has
	// its own, smaller budget scaled as Snyk's 180 is to 1620.
	RateLimit int
	// FailEvery makes every Nth API request (token endpoints excluded)
	// answer 500 or 503 (alternately) once; 0 turns it off.
	FailEvery int
	// Token is the Snyk API token accepted as "token <T>" or "bearer <T>"
	// (scheme case-insensitive). Empty accepts no API token; access tokens
	// minted by the OAuth2 endpoints are accepted as bearer tokens.
	Token string
	// OAuthTokenTTL is the lifetime of Snyk OAuth2 access tokens
	// (default 3599s, as Snyk's).
	OAuthTokenTTL time.Duration
	// CxUsername, CxPassword and CxTenant are the one Checkmarx SCA user
	// that can log in.
	CxUsername, CxPassword, CxTenant string
	// CxTokenTTL is the lifetime of Checkmarx access tokens (default 1h);
	// short ones force 401 and a new login.
	CxTokenTTL time.Duration
	// Now is the clock (default time.Now). It decides token expiry, rate
	// limit windows and which version dates are in the future; the data's
	// own timestamps do not depend on it.
	Now func() time.Time
}

// DemoConfig is the configuration of cmd/fakeapi: a small tenant, the Snyk
// token "demo-token" and the Checkmarx user demo / demo-password in
// tenant demo.
func DemoConfig() Config {
	return Config{
		Orgs: 3, ProjectsPerOrg: 5, IssuesPerOrg: 250, ScansPerProject: 12,
		Seed:       1,
		Token:      "demo-token",
		CxUsername: "demo", CxPassword: "demo-password", CxTenant: "demo",
	}
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	cfg  Config
	data *dataset
	mux  *http.ServeMux

	requests atomic.Int64 // every request
	apiSeq   atomic.Int64 // API requests, for FailEvery
	countMu  sync.Mutex
	counts   map[string]int64 // by route pattern
	routes   []string         // patterns, set up by New

	limiter *fakecore.Limiter
	oauth   *snykoauth.Provider
	cx      *cxAuth
}

// New builds a fake serving the data described by c.
func New(c Config) *Server {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.OAuthTokenTTL <= 0 {
		c.OAuthTokenTTL = 3599 * time.Second
	}
	if c.CxTokenTTL <= 0 {
		c.CxTokenTTL = time.Hour
	}
	s := &Server{
		cfg:     c,
		data:    newDataset(c),
		mux:     http.NewServeMux(),
		counts:  map[string]int64{},
		limiter: fakecore.NewLimiter(c.Now),
		cx:      newCxAuth(),
	}
	s.oauth = s.newOAuth()
	s.routeSnykREST()
	s.routeSnykV1()
	s.routeSnykOAuth()
	s.routeCheckmarx()
	return s
}

// Handler serves every route of every fake API.
func (s *Server) Handler() http.Handler { return s.mux }

// Requests returns the number of requests served so far, all routes.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Count returns the number of requests served by one route, named by its
// pattern as registered, e.g. "GET /rest/orgs/{org_id}/issues" or
// "POST /oauth2/token".
func (s *Server) Count(route string) int64 {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	return s.counts[route]
}

// Counts returns the number of requests per route pattern.
func (s *Server) Counts() map[string]int64 {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	out := make(map[string]int64, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// Routes returns every route pattern the fake serves, sorted.
func (s *Server) Routes() []string {
	out := append([]string(nil), s.routes...)
	sort.Strings(out)
	return out
}

// family names an API for its error shape.
type family int

const (
	famREST  family = iota // Snyk REST: JSON:API error documents
	famV1                  // Snyk v1: {"code":N,"message":"..."}
	famOAuth               // token endpoints: no faults, no rate limit
	famCx                  // Checkmarx SCA
)

// handle registers h under pattern, counted, delayed by Latency and, for
// API families, subject to rate limits and injected faults.
func (s *Server) handle(pattern string, fam family, h http.HandlerFunc) {
	s.routes = append(s.routes, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.countMu.Lock()
		s.counts[pattern]++
		s.countMu.Unlock()
		if s.cfg.Latency > 0 {
			t := time.NewTimer(s.cfg.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if fam != famOAuth {
			if n := s.apiSeq.Add(1); s.cfg.FailEvery > 0 && n%int64(s.cfg.FailEvery) == 0 {
				status := http.StatusInternalServerError
				if (n/int64(s.cfg.FailEvery))%2 == 0 {
					status = http.StatusServiceUnavailable
				}
				writeFamilyError(w, fam, status, "injected fault: try again")
				return
			}
			if s.cfg.RateLimit > 0 && !s.allow(w, r, fam, pattern) {
				return
			}
		}
		h(w, r)
	})
}
