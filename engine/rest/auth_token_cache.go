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
	fetch func(ctx context.Context) (value string, lifetime time.Duration, err error)
	now   func() time.Time
	skew  time.Duration
	sem   chan struct{} // held while fetching

	mu     sync.Mutex
	value  string
	expiry time.Time // zero: no expiry known
}

// renewSkew is how long before its expiry a credential is renewed.
const renewSkew = 30 * time.Second

// NewTokenCache returns an empty cache whose credentials come from fetch:
// the value and how long it lives (0 for no known expiry). fetch is
// called by one goroutine at a time.
func NewTokenCache(fetch func(ctx context.Context) (value string, lifetime time.Duration, err error)) *TokenCache {
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

// Get returns a valid credential, fetching one when there is none or it
// expires within the skew, 30 s unless WithClock says otherwise (or
// within half its lifetime, for short-lived ones).
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
	v, lifetime, err := c.fetch(ctx)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.value, c.expiry = v, time.Time{}
	if lifetime > 0 {
		c.expiry = c.now().Add(lifetime - min(c.skew, lifetime/2))
	}
	return v, nil
}

func (c *TokenCache) current() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ok := c.value != "" && (c.expiry.IsZero() || c.now().Before(c.expiry))
	return c.value, ok
}

// Invalidate drops the cached credential if it is stale, the value the
// rejected request carried; an empty stale drops it unconditionally. A
// credential renewed since that request was sent is kept, so concurrent
// 401s for one credential renew it once.
func (c *TokenCache) Invalidate(stale string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if stale == "" || c.value == stale {
		c.value = ""
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
