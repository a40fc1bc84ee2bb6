package rest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pipe-etl/pipe/engine/spec"
)

// Auth kinds, the values of auth.type.
const (
	AuthAPIKey                  = "api_key"
	AuthBearer                  = "bearer"
	AuthHTTPBasic               = "http_basic"
	AuthOAuth2ClientCredentials = "oauth2_client_credentials"
	AuthLogin                   = "login"
	AuthOAuth2RefreshToken      = "oauth2_refresh_token"
	AuthTokenBroker             = "token_broker"
)

// NewAuthenticator builds the Authenticator of an auth spec; a nil spec
// returns nil and no error.
//
// expand resolves the {secrets.*} and {vars.*} placeholders of the string
// fields (nil leaves them as written). Static credentials (api_key,
// bearer, http_basic) and every URL are expanded here, so a missing
// secret fails early; login form and json values are expanded at each
// login. Expanded values are never logged.
//
// hc sends token and login requests (nil means DefaultHTTPClient). red
// receives every secret value the authenticator uses or obtains (nil
// means none is registered; the client still registers what reaches a
// request). oauth2_refresh_token and token_broker are built elsewhere and
// return an error wrapping ErrUnsupportedAuth.
func NewAuthenticator(a *spec.Auth, expand func(string) (string, error), hc *http.Client, red *Redactor, logger *slog.Logger) (Authenticator, error) {
	if a == nil {
		return nil, nil
	}
	if expand == nil {
		expand = func(s string) (string, error) { return s, nil }
	}
	if hc == nil {
		hc = DefaultHTTPClient()
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	b := authBuilder{a: a, expand: expand, red: red}
	var (
		auth Authenticator
		err  error
	)
	switch a.Type {
	case AuthAPIKey:
		auth, err = newAPIKey(b)
	case AuthBearer:
		auth, err = newBearer(b)
	case AuthHTTPBasic:
		auth, err = newHTTPBasic(b)
	case AuthOAuth2ClientCredentials:
		auth, err = newOAuth2ClientCredentials(b, hc, logger)
	case AuthLogin:
		auth, err = newLogin(b, hc, logger)
	case AuthOAuth2RefreshToken, AuthTokenBroker:
		err = ErrUnsupportedAuth
	case "":
		err = fmt.Errorf("type is missing")
	default:
		err = fmt.Errorf("unknown type %q: %w", a.Type, ErrUnsupportedAuth)
	}
	if err != nil {
		return nil, fmt.Errorf("auth %s: %w", a.Type, err)
	}
	return auth, nil
}

// authBuilder expands fields of one auth spec.
type authBuilder struct {
	a      *spec.Auth
	expand func(string) (string, error)
	red    *Redactor
}

// field expands a non-secret field (a URL, a name).
func (b authBuilder) field(name, v string) (string, error) {
	out, err := b.expand(v)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// secret expands a credential field, requires it non-empty and registers
// its value.
func (b authBuilder) secret(name, v string) (string, error) {
	if v == "" {
		return "", fmt.Errorf("%s is required", name)
	}
	out, err := b.expand(v)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if out == "" {
		return "", fmt.Errorf("%s is empty after expanding placeholders", name)
	}
	addCredential(b.red, out)
	return out, nil
}

// addCredential registers v and, for "token abc" or "Bearer abc", the
// credential after the scheme.
func addCredential(red *Redactor, v string) {
	red.Add(v)
	if _, cred, ok := strings.Cut(v, " "); ok {
		red.Add(strings.TrimSpace(cred))
	}
}

// tokenCache holds a credential obtained over the network (an access
// token) and renews it single-flight: concurrent callers that find it
// missing or expired wait for one fetch.
type tokenCache struct {
	fetch func(ctx context.Context) (value string, lifetime time.Duration, err error)
	now   func() time.Time
	sem   chan struct{} // held while fetching

	mu     sync.Mutex
	value  string
	expiry time.Time // zero: no expiry known
}

// renewSkew is how long before its expiry a credential is renewed.
const renewSkew = 30 * time.Second

func newTokenCache(fetch func(context.Context) (string, time.Duration, error)) *tokenCache {
	return &tokenCache{fetch: fetch, now: time.Now, sem: make(chan struct{}, 1)}
}

// get returns a valid credential, fetching one when needed.
func (c *tokenCache) get(ctx context.Context) (string, error) {
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
		// Renew 30 s early, or halfway for short-lived credentials.
		c.expiry = c.now().Add(lifetime - min(renewSkew, lifetime/2))
	}
	return v, nil
}

func (c *tokenCache) current() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ok := c.value != "" && (c.expiry.IsZero() || c.now().Before(c.expiry))
	return c.value, ok
}

// invalidate drops the cached credential if it is stale (what a failed
// request carried); an empty stale drops it unconditionally. A credential
// renewed since the request was sent is kept.
func (c *tokenCache) invalidate(stale string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if stale == "" || c.value == stale {
		c.value = ""
	}
}

// refreshFrom invalidates the credential that the request which got the
// 401 carried in header.
func (c *tokenCache) refreshFrom(ctx context.Context, header string) {
	stale := ""
	if r, ok := StaleRequest(ctx); ok && r.Header != nil {
		stale = r.Header.Get(header)
	}
	c.invalidate(stale)
}

// hasSecret reports whether the template v holds a {secrets.*} placeholder.
func hasSecret(v string) bool {
	t, err := spec.ParseTemplate(v)
	if err != nil {
		return true // unparseable: treat it as secret, the safe side
	}
	for _, p := range t.Placeholders() {
		if p.Namespace == spec.NSSecrets {
			return true
		}
	}
	return false
}

// credentialName reports whether a form or JSON field name holds a
// credential (narrower than sensitiveName, which also hides auth and code
// query parameters in URLs).
func credentialName(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"password", "secret", "token", "key"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
