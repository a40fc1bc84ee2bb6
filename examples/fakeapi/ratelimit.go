package fakeapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

// Snyk allows 1620 requests per minute per token and 180 for package
// issues (A.9); the fake scales the second budget from Config.RateLimit
// in the same proportion.
const (
	snykRateLimit    = 1620
	packageRateLimit = 180
)

// allow applies Config.RateLimit to the request's credential; on refusal
// it has written the 429.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, fam family, pattern string) bool {
	cred := r.Header.Get("Authorization")
	ok, wait := s.limiter.Take(strconv.Itoa(int(fam))+"|"+cred, s.cfg.RateLimit)
	if ok && pattern == RoutePackageIssues {
		ok, wait = s.limiter.Take("pkg|"+cred, max(1, s.cfg.RateLimit*packageRateLimit/snykRateLimit))
	}
	if ok {
		return true
	}
	secs := strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second)))
	w.Header().Set("Retry-After", secs)
	w.Header().Set("X-RateLimit-Reset", secs)
	writeFamilyError(w, fam, http.StatusTooManyRequests, "Too many requests, please try again later")
	return false
}

// writeFamilyError writes an error in the shape of the API family.
func writeFamilyError(w http.ResponseWriter, fam family, status int, msg string) {
	switch fam {
	case famREST:
		writeAPIError(w, status, msg, "")
	case famV1:
		writeV1Error(w, status, msg)
	case famCx:
		writeCxError(w, status, msg)
	default:
		snykoauth.WriteError(w, status, "server_error", msg)
	}
}
