// Package fakeapi serves the offline vendor fakes together from one
// handler, for tests, benchmarks and demos of pipe without network access
// or accounts: the Snyk REST, v1 and OAuth2 APIs (package snykfake, with
// snykoauth) and the Checkmarx SCA API (package checkmarxfake), on one
// fakecore.Router that adds latency, injected faults and rate limits.
//
// Routes, by prefix: /rest/ and /v1/ (Snyk), /oauth2/ (Snyk OAuth2),
// /identity/ and /risk-management/ (Checkmarx SCA). Data is generated
// deterministically from Config.Seed; Snapshot returns all of it so tests
// can compare a loaded database row for row.
package fakeapi

import (
	"net/http"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/checkmarxfake"
	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykfake"
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

// Server is the composed fake. Its methods are safe for concurrent use.
type Server struct {
	router *fakecore.Router
	snyk   *snykfake.Server
	cx     *checkmarxfake.Server
}

// New builds a fake serving the data described by c.
func New(c Config) *Server {
	if c.Now == nil {
		c.Now = time.Now
	}
	s := &Server{
		router: fakecore.NewRouter(fakecore.RouterConfig{Latency: c.Latency, RateLimit: c.RateLimit, FailEvery: c.FailEvery, Now: c.Now}),
		snyk: snykfake.New(snykfake.Config{
			Orgs: c.Orgs, ProjectsPerOrg: c.ProjectsPerOrg, IssuesPerOrg: c.IssuesPerOrg, Seed: c.Seed,
			Token: c.Token, OAuthTokenTTL: c.OAuthTokenTTL, Now: c.Now,
		}),
		cx: checkmarxfake.New(checkmarxfake.Config{
			Projects: c.ProjectsPerOrg, ScansPerProject: c.ScansPerProject, Seed: c.Seed,
			Username: c.CxUsername, Password: c.CxPassword, Tenant: c.CxTenant, TokenTTL: c.CxTokenTTL, Now: c.Now,
		}),
	}
	s.snyk.Register(s.router)
	s.cx.Register(s.router)
	return s
}

// Handler serves every route of every fake API.
func (s *Server) Handler() http.Handler { return s.router }

// Snyk returns the Snyk fake.
func (s *Server) Snyk() *snykfake.Server { return s.snyk }

// Checkmarx returns the Checkmarx SCA fake.
func (s *Server) Checkmarx() *checkmarxfake.Server { return s.cx }

// Requests returns the number of requests served so far, all routes.
func (s *Server) Requests() int64 { return s.router.Requests() }

// Count returns the number of requests served by one route, named by its
// pattern as registered, e.g. snykfake.RouteIssues
// ("GET /rest/orgs/{org_id}/issues") or snykoauth.RouteToken.
func (s *Server) Count(route string) int64 { return s.router.Count(route) }

// Counts returns the number of requests per route pattern.
func (s *Server) Counts() map[string]int64 { return s.router.Counts() }

// Routes returns every route pattern the fake serves, sorted.
func (s *Server) Routes() []string { return s.router.Routes() }

// Snapshot is the ground truth of both vendors: Snyk's records (promoted
// fields: Orgs, Projects, Issues, ...) and Checkmarx's.
type Snapshot struct {
	snykfake.Snapshot
	Checkmarx checkmarxfake.Snapshot
}

// Snapshot returns every record the fake holds. It builds all issues, so
// it costs as much as serving them.
func (s *Server) Snapshot() Snapshot {
	return Snapshot{Snapshot: s.snyk.Snapshot(), Checkmarx: s.cx.Snapshot()}
}

// Touch marks n issues of every Snyk org as updated at `at`; see
// snykfake.Server.Touch.
func (s *Server) Touch(n int, at time.Time) { s.snyk.Touch(n, at) }

// AddIssues appends n new issues to every Snyk org, created and updated
// at `at`.
func (s *Server) AddIssues(n int, at time.Time) { s.snyk.AddIssues(n, at) }

// AddOAuthClient registers a Snyk OAuth2 client; see
// snykoauth.Provider.AddClient.
func (s *Server) AddOAuthClient(clientID, clientSecret string, redirectURIs ...string) {
	s.snyk.OAuth().AddClient(clientID, clientSecret, redirectURIs...)
}

// RefreshGrants returns the number of successful refresh_token grants.
func (s *Server) RefreshGrants() int64 { return s.snyk.OAuth().RefreshGrants() }

// RefreshRejected returns the number of refresh_token grants refused with
// invalid_grant.
func (s *Server) RefreshRejected() int64 { return s.snyk.OAuth().RefreshRejected() }

// LiveRefreshTokens returns the number of refresh tokens that can still
// be used once.
func (s *Server) LiveRefreshTokens() int { return s.snyk.OAuth().LiveRefreshTokens() }

// CxLogins returns the number of successful Checkmarx logins.
func (s *Server) CxLogins() int64 { return s.cx.Logins() }
