// Package checkmarxfake is an offline fake of the Checkmarx SCA API, for
// tests, benchmarks and demos of pipe without network access or
// accounts.
//
// It follows the documented behaviour of the real API (the project's API
// notes, sections B.1 and B.2): a password grant at
// /identity/connect/token and the read API under /risk-management/,
// which answers bare JSON arrays. Tokens last Config.TokenTTL and come
// without a refresh token; expired or unknown tokens answer 401 with an
// empty body and a WWW-Authenticate header, as an ASP.NET JWT bearer API
// does; scans page with size and page, 10 by default. Data is generated
// deterministically from Config.Seed, from the same package catalog as
// the Snyk fake's; Snapshot returns all of it.
package checkmarxfake

import (
	"sync"
	"time"
)

// Config sizes the tenant and sets its one user.
type Config struct {
	// Projects is the number of projects, each with ScansPerProject scans.
	Projects, ScansPerProject int
	// Seed makes the data: the same Config gives the same data.
	Seed int64
	// Username, Password and Tenant are the one user that can log in.
	Username, Password, Tenant string
	// TokenTTL is the lifetime of access tokens (default 1h); short ones
	// force 401 and a new login.
	TokenTTL time.Duration
	// Now is the clock of token expiry (default time.Now).
	Now func() time.Time
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	cfg  Config
	t    *tenant
	auth *sessions
}

// New builds a fake serving the tenant described by c.
func New(c Config) *Server {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = time.Hour
	}
	return &Server{cfg: c, t: newTenant(c), auth: &sessions{tokens: map[string]time.Time{}}}
}

// sessions are the access tokens issued.
type sessions struct {
	mu     sync.Mutex
	tokens map[string]time.Time // token → expiry
	logins int64
}

// Logins returns the number of successful logins.
func (s *Server) Logins() int64 {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	return s.auth.logins
}
