package fakecore

import (
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// RouterConfig is what every route of every vendor fake shares.
type RouterConfig struct {
	// Latency is added to every request.
	Latency time.Duration
	// RateLimit is the number of requests per minute, per credential (the
	// Authorization header) and per API, before 429; 0 turns it off.
	// Token endpoints are exempt.
	RateLimit int
	// FailEvery makes every Nth API request (token endpoints excluded)
	// answer 500 or 503 (alternately) once; 0 turns it off.
	FailEvery int
	// Now is the clock of the rate-limit windows (default time.Now).
	Now func() time.Time
}

// API is a family of routes that shares an error shape and a rate-limit
// budget, such as Snyk REST or Checkmarx SCA.
type API struct {
	// Name keys the budget: each credential has one per API name.
	Name string
	// WriteError writes an error in the family's shape; faults and 429s
	// go through it.
	WriteError func(w http.ResponseWriter, status int, msg string)
	// Budgets are further budgets a route spends after the API's own
	// (Snyk's package issues have a smaller one).
	Budgets []Budget
}

// Budget is a rate-limit budget of its own, per credential.
type Budget struct {
	// Key names the budget.
	Key string
	// PerMinute computes the budget from RouterConfig.RateLimit.
	PerMinute func(rateLimit int) int
}

// Router serves the routes that vendor fakes register on it. Every
// route is counted and delayed by Latency; API routes (not token
// endpoints) are also subject to injected faults and rate limits. Its
// methods are safe for concurrent use once the routes are registered.
type Router struct {
	cfg     RouterConfig
	mux     *http.ServeMux
	limiter *Limiter

	requests atomic.Int64 // every request
	apiSeq   atomic.Int64 // API requests, for FailEvery
	countMu  sync.Mutex
	counts   map[string]int64 // by route pattern
	routes   []string
}

// NewRouter returns a router without routes.
func NewRouter(c RouterConfig) *Router {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Router{cfg: c, mux: http.NewServeMux(), limiter: NewLimiter(c.Now), counts: map[string]int64{}}
}

// ServeHTTP serves a request with the route registered for it.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }

// Handle registers h under pattern (as http.ServeMux reads it) for api;
// a nil api marks a token endpoint, which faults and rate limits spare.
func (rt *Router) Handle(pattern string, api *API, h http.HandlerFunc) {
	rt.routes = append(rt.routes, pattern)
	rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		rt.requests.Add(1)
		rt.countMu.Lock()
		rt.counts[pattern]++
		rt.countMu.Unlock()
		if rt.cfg.Latency > 0 {
			t := time.NewTimer(rt.cfg.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if api != nil {
			if n := rt.apiSeq.Add(1); rt.cfg.FailEvery > 0 && n%int64(rt.cfg.FailEvery) == 0 {
				status := http.StatusInternalServerError
				if (n/int64(rt.cfg.FailEvery))%2 == 0 {
					status = http.StatusServiceUnavailable
				}
				api.WriteError(w, status, "injected fault: try again")
				return
			}
			if rt.cfg.RateLimit > 0 && !rt.allow(w, r, api) {
				return
			}
		}
		h(w, r)
	})
}

// allow spends one request of each of api's budgets for the request's
// credential; on refusal it has written the 429.
func (rt *Router) allow(w http.ResponseWriter, r *http.Request, api *API) bool {
	cred := r.Header.Get("Authorization")
	ok, wait := rt.limiter.Take(api.Name+"|"+cred, rt.cfg.RateLimit)
	for _, b := range api.Budgets {
		if !ok {
			break
		}
		ok, wait = rt.limiter.Take(b.Key+"|"+cred, b.PerMinute(rt.cfg.RateLimit))
	}
	if ok {
		return true
	}
	secs := strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second)))
	w.Header().Set("Retry-After", secs)
	w.Header().Set("X-RateLimit-Reset", secs)
	api.WriteError(w, http.StatusTooManyRequests, "Too many requests, please try again later")
	return false
}

// Requests returns the number of requests served so far, all routes.
func (rt *Router) Requests() int64 { return rt.requests.Load() }

// Count returns the number of requests served by one route, named by its
// pattern as registered, e.g. "GET /rest/orgs/{org_id}/issues".
func (rt *Router) Count(route string) int64 {
	rt.countMu.Lock()
	defer rt.countMu.Unlock()
	return rt.counts[route]
}

// Counts returns the number of requests per route pattern.
func (rt *Router) Counts() map[string]int64 {
	rt.countMu.Lock()
	defer rt.countMu.Unlock()
	out := make(map[string]int64, len(rt.counts))
	for k, v := range rt.counts {
		out[k] = v
	}
	return out
}

// Routes returns every route pattern registered, sorted.
func (rt *Router) Routes() []string {
	out := append([]string(nil), rt.routes...)
	sort.Strings(out)
	return out
}
