package snykoauth

import (
	"net/url"
	"time"
)

// SetRefreshDelay makes each refresh take d after the old refresh token
// is spent and before the reply, widening the window in which a racing
// refresh would fail. It asserts nothing about time.
func (p *Provider) SetRefreshDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

// AfterRotate sets a hook run after a refresh token has been rotated and
// before the reply is sent (tests seal a vault or break a store there).
func (p *Provider) AfterRotate(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.afterRotate = f
}

// Refreshes returns the number of successful refresh_token grants, as an
// int for tests' comparisons (RefreshGrants is the same count).
func (p *Provider) Refreshes() int { return int(p.refreshGrants.Load()) }

// Reuses returns how many times a spent refresh token was presented
// again (with RevokeGrantOnReuse, each revoked its grant).
func (p *Provider) Reuses() int { return int(p.reuses.Load()) }

// Exchanges returns how many authorization_code grants succeeded.
func (p *Provider) Exchanges() int { return int(p.exchanges.Load()) }

// Revoked returns the tokens sent to the revoke endpoint by an
// authenticated client, live or not.
func (p *Provider) Revoked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.revoked...)
}

// LastTokenRequest returns the form of the last token request and
// whether the client authenticated with HTTP Basic.
func (p *Provider) LastTokenRequest() (url.Values, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastForm, p.lastBasic
}

// Issued returns every access and refresh token minted so far, so tests
// can check that none of them leaked into logs or errors.
func (p *Provider) Issued() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.issued...)
}

// RefreshUsable reports whether refresh token t can still be used.
func (p *Provider) RefreshUsable(t string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.refresh[t]
	return ok
}

// ExpireAccessTokens makes every access token issued so far invalid.
func (p *Provider) ExpireAccessTokens() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.access = map[string]accessToken{}
}
