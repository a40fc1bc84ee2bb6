package rest

import (
	"context"
	"sync"
	"time"
)

// TokenCache holds a credential obtained over the network (an access
// token, a session) and renews it single-flight: the callers that find it
// missing or expired wait for one fetch, and after a 401 the callers that
// carried the same stale credential cause one renewal. It is the one
// renewal helper of every token-fetching Authenticator.
type TokenCache struct {
	fetch TokenFetch
	now   func() time.Time
	skew  time.Duration
	sem   chan struct{} // held while fetching

	mu      sync.Mutex
	value   string
	dropped bool      // value was rejected (Invalidate) and is kept only to name it to fetch
	expiry  time.Time // zero: no expiry known
}

// TokenFetch obtains a new credential for a TokenCache: the value and how
// long it lives (0 for no known expiry). stale is the credential it
// replaces, expired or rejected with a 401 ("" for the first fetch), so
// that a fetch can tell a renewal from a first fetch and refuse to hand
// back the credential that was just rejected. A TokenCache calls its
// fetch from one goroutine at a time.
type TokenFetch func(ctx context.Context, stale string) (value string, lifetime time.Duration, err error)

// renewSkew is how long before its expiry a credential is renewed.
const renewSkew = 30 * time.Second

// NewTokenCache returns an empty cache whose credentials come from fetch.
func NewTokenCache(fetch TokenFetch) *TokenCache {
	return &TokenCache{fetch: fetch, now: time.Now, skew: renewSkew, sem: make(chan struct{}, 1)}
}

// WithClock sets the clock that decides expiry and the skew, how long
// before its expiry a credential is renewed (at most half its lifetime),
// instead of time.Now and 30 s; call it before the cache is used. It
// returns c.
func (c *TokenCache) WithClock(now func() time.Time, skew time.Duration) *TokenCache {
	c.now, c.skew = now, skew
	return c
}

// Get returns a valid credential, fetching one when there is none, it was
// invalidated, or it expires within the skew, 30 s unless WithClock says
// otherwise (or within half its lifetime, for short-lived ones). A caller
// that finds a fetch under way waits for it (or for ctx) and uses its
// result. A failed fetch is not cached: the next Get tries again.
func (c *TokenCache) Get(ctx context.Context) (string, error) {
	if v, ok := c.current(); ok {
		return v, nil
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.sem }()
	if v, ok := c.current(); ok {
		return v, nil // another caller fetched it while we waited
	}
	c.mu.Lock()
	stale := c.value
	c.mu.Unlock()
	v, lifetime, err := c.fetch(ctx, stale)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.value, c.dropped, c.expiry = v, false, time.Time{}
	if lifetime > 0 {
		c.expiry = c.now().Add(lifetime - min(c.skew, lifetime/2))
	}
	return v, nil
}

func (c *TokenCache) current() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ok := c.value != "" && !c.dropped && (c.expiry.IsZero() || c.now().Before(c.expiry))
	return c.value, ok
}

// Invalidate drops the cached credential if it is stale, the value the
// rejected request carried; an empty stale drops it unconditionally. A
// credential renewed since that request was sent is kept, so concurrent
// 401s for one credential renew it once, and a late 401 for a replaced
// credential renews nothing.
func (c *TokenCache) Invalidate(stale string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if stale == "" || c.value == stale {
		c.dropped = true
	}
}

// InvalidateHeader is Invalidate with the value the stale request carried
// in header (nil stale: unconditionally).
func (c *TokenCache) InvalidateHeader(stale *Request, header string) {
	v := ""
	if stale != nil && stale.Header != nil {
		v = stale.Header.Get(header)
	}
	c.Invalidate(v)
}
