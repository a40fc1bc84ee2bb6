package credentials

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine/rest"
)

// Redactor learns secret values so that logs and errors can hide them
// (engine/rest.Redactor satisfies it).
type Redactor interface {
	Add(secret string)
}

// OAuth2RefreshTokenConfig configures an OAuth2RefreshToken authenticator.
type OAuth2RefreshTokenConfig struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	// BasicAuth sends the client credentials with HTTP Basic instead of
	// the form body (spec client_auth: basic); Snyk wants the form.
	BasicAuth bool
	// Scopes are informational here: a refresh keeps the scopes granted at login.
	Scopes []string
	// Credential names the credential: the lock name, the recovery file
	// label, and the stem of the store names ("<credential>.refresh_token",
	// "<credential>.access_token") unless overridden below.
	Credential string
	// Store holds the refresh token and the cached access token.
	Store secrets.Writer
	// RefreshTokenName and AccessTokenName override the store names
	// (e.g. "snyk/ORG/CLIENT#refresh_token" for snykey's Vault layout).
	RefreshTokenName, AccessTokenName string
	// Locker serialises refreshes; nil means one process only (LocalLocker).
	Locker Locker
	// HTTPClient is used for the token endpoint; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Redactor, if set, learns every token and the client secret.
	Redactor Redactor
	// RecoveryDir is where a rotated token that could not be stored is
	// saved; default DefaultRecoveryDir. FallbackRecoveryDir, if set, is
	// the second place tried (see FallbackRecoveryDir). Before spending
	// the stored refresh token, both are searched for a newer one.
	RecoveryDir, FallbackRecoveryDir string
	// Skew refreshes this long before expiry; default 60 s.
	Skew time.Duration
	// Logger, nil means discard.
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
}

// OAuth2RefreshToken authenticates with OAuth2 access tokens obtained from
// a rotating refresh token (auth type oauth2_refresh_token).
//
// The access token is cached in memory (a rest.TokenCache, which renews
// single-flight) and in the store, and is renewed only when it expires
// (less Skew) or after a 401 for the current token. A renewal takes the
// credential's lock, re-reads the store (if another process already
// renewed, its token is used and nothing is spent), spends the refresh
// token, writes the rotated refresh token to the store before using the
// new access token, caches the access token, and releases the lock. If
// that write fails the new refresh token goes to a recovery file and
// Authenticate returns a *RotationError naming it.
type OAuth2RefreshToken struct {
	cfg      OAuth2RefreshTokenConfig
	rotation Rotation
	log      *slog.Logger
	cache    *rest.TokenCache
}

// NewOAuth2RefreshToken checks cfg and returns the authenticator.
func NewOAuth2RefreshToken(cfg OAuth2RefreshTokenConfig) (*OAuth2RefreshToken, error) {
	switch {
	case cfg.Credential == "":
		return nil, errors.New("oauth2_refresh_token: no credential name")
	case cfg.TokenURL == "":
		return nil, fmt.Errorf("oauth2_refresh_token %q: no token_url", cfg.Credential)
	case cfg.ClientID == "":
		return nil, fmt.Errorf("oauth2_refresh_token %q: no client_id", cfg.Credential)
	case cfg.Store == nil:
		return nil, fmt.Errorf("oauth2_refresh_token %q: no secrets store", cfg.Credential)
	}
	if cfg.RefreshTokenName == "" {
		cfg.RefreshTokenName = RefreshTokenName(cfg.Credential)
	}
	if cfg.AccessTokenName == "" {
		cfg.AccessTokenName = AccessTokenName(cfg.Credential)
	}
	if cfg.Locker == nil {
		cfg.Locker = defaultLocker
	}
	if cfg.Skew == 0 {
		cfg.Skew = 60 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Redactor != nil && cfg.ClientSecret != "" {
		cfg.Redactor.Add(cfg.ClientSecret)
	}
	a := &OAuth2RefreshToken{cfg: cfg, log: log.With("credential", cfg.Credential)}
	a.cache = rest.NewTokenCache(a.fetch).WithClock(cfg.Now, cfg.Skew)
	a.rotation = Rotation{
		Endpoint:    TokenEndpoint{URL: cfg.TokenURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, BasicAuth: cfg.BasicAuth, HTTPClient: cfg.HTTPClient},
		Store:       cfg.Store,
		Name:        cfg.RefreshTokenName,
		Label:       cfg.Credential,
		RecoveryDir: cfg.RecoveryDir,
		FallbackDir: cfg.FallbackRecoveryDir,
		Now:         cfg.Now,
	}
	return a, nil
}

// Authenticate sets "Authorization: Bearer <access token>", renewing the
// token first if it has expired.
func (a *OAuth2RefreshToken) Authenticate(ctx context.Context, req *rest.Request) error {
	tok, err := a.token(ctx)
	if err != nil {
		return err
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// Refresh renews the access token after the API rejected the one stale
// carried (401), unless it was renewed since that request was sent: so
// concurrent 401s for one token cause one renewal, and a late 401 for a
// replaced token causes none. A nil stale renews unconditionally.
func (a *OAuth2RefreshToken) Refresh(ctx context.Context, stale *rest.Request) error {
	if !invalidateStale(a.cache, stale) {
		return nil
	}
	_, err := a.token(ctx)
	return err
}

// invalidateStale marks as refused the bearer token that stale carried
// (every token when stale is nil), so that the cache's next Get renews it
// unless it was renewed since. It reports false for a request without a
// bearer token, which the authenticator did not sign: nothing to renew.
func invalidateStale(c *rest.TokenCache, stale *rest.Request) bool {
	if stale == nil {
		c.Invalidate("")
		return true
	}
	h := ""
	if stale.Header != nil {
		h = stale.Header.Get("Authorization")
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || tok == "" {
		return false
	}
	c.Invalidate(tok)
	return true
}

// token returns a valid access token from the cache, which calls fetch
// (one goroutine at a time) when it has none.
func (a *OAuth2RefreshToken) token(ctx context.Context) (string, error) {
	tok, err := a.cache.Get(ctx)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return "", fmt.Errorf("credential %q: %w", a.cfg.Credential, err)
	}
	return tok, err
}

// fetch is the cache's renewal: a valid token another run left in the
// store (no lock needed to use it), else renewLocked. stale is the token
// the cache last held, whether it expired or got a 401.
func (a *OAuth2RefreshToken) fetch(ctx context.Context, stale string) (string, time.Duration, error) {
	c, ok, err := readCached(ctx, a.cfg.Store, a.cfg.AccessTokenName)
	if err != nil || !ok || c.Token == stale || !c.Valid(a.cfg.Now(), a.cfg.Skew) {
		if c, err = a.renewLocked(ctx, stale); err != nil {
			return "", 0, err
		}
	}
	a.redact(c.Token)
	var lifetime time.Duration
	if !c.Expiry.IsZero() {
		lifetime = max(c.Expiry.Sub(a.cfg.Now()), time.Nanosecond)
	}
	return c.Token, lifetime, nil
}

// renewLocked runs the renewal under the credential's lock; the caller
// fetches one at a time. stale is the token known to be unusable ("" if
// none). It returns the access token to use.
func (a *OAuth2RefreshToken) renewLocked(ctx context.Context, stale string) (_ CachedToken, err error) {
	unlock, err := a.cfg.Locker.Lock(ctx, a.cfg.Credential)
	if err != nil {
		return CachedToken{}, fmt.Errorf("credential %q: %w", a.cfg.Credential, err)
	}
	defer func() {
		if uerr := unlock(); uerr != nil {
			a.log.Warn("credential lock release", "err", uerr)
		}
	}()
	// Re-read under the lock: another process may have just renewed.
	c, ok, err := readCached(ctx, a.cfg.Store, a.cfg.AccessTokenName)
	if err != nil {
		return CachedToken{}, fmt.Errorf("credential %q: read cached access token: %w", a.cfg.Credential, err)
	}
	if ok && c.Token != stale && c.Valid(a.cfg.Now(), a.cfg.Skew) {
		a.log.Debug("using access token renewed by another process")
		return c, nil
	}
	rt, err := a.cfg.Store.Get(ctx, a.cfg.RefreshTokenName)
	notFound := errors.Is(err, secrets.ErrNotFound)
	if err != nil && !notFound {
		return CachedToken{}, fmt.Errorf("credential %q: read refresh token: %w", a.cfg.Credential, err)
	}
	a.redact(rt)
	// A token rotated by an earlier run whose store write failed is newer.
	recovered, recErr := a.rotation.Recover(ctx, rt)
	var left *StaleRecoveryError
	switch {
	case errors.As(recErr, &left):
		a.log.Warn("recovery file left behind", "err", recErr)
	case recErr != nil:
		return CachedToken{}, recErr
	}
	if recovered != rt {
		a.log.Info("recovered refresh token stored and used")
		rt, notFound = recovered, false
		a.redact(rt)
	}
	if notFound {
		return CachedToken{}, fmt.Errorf("credential %q: no refresh token in %s (run pipe auth login): %w", a.cfg.Credential, describe(a.cfg.Store, a.cfg.RefreshTokenName), err)
	}
	tok, err := a.rotation.Rotate(ctx, rt)
	var rerr *RotationError
	switch {
	case errors.As(err, &rerr):
		a.log.Error("rotated refresh token not stored", "recovery_file", rerr.RecoveryPath, "err", rerr.Err)
		a.redact(rerr.Token.RefreshToken)
		return CachedToken{}, err
	case errors.Is(err, ErrInvalidGrant):
		return CachedToken{}, fmt.Errorf("credential %q: the stored refresh token was refused (used already, expired or revoked; run pipe auth login): %w", a.cfg.Credential, err)
	case err != nil:
		return CachedToken{}, fmt.Errorf("credential %q: refresh: %w", a.cfg.Credential, err)
	}
	a.redact(tok.RefreshToken)
	a.redact(tok.AccessToken)
	c = CachedToken{Token: tok.AccessToken, Expiry: tok.Expiry}
	if err := writeCached(ctx, a.cfg.Store, a.cfg.AccessTokenName, c); err != nil {
		// The refresh token is safe; only the cache for other runs is missing.
		a.log.Warn("access token not cached", "err", err)
	}
	a.log.Info("access token renewed", "expiry", tok.Expiry)
	return c, nil
}

func (a *OAuth2RefreshToken) redact(s string) {
	if a.cfg.Redactor != nil && s != "" {
		a.cfg.Redactor.Add(s)
	}
}

var (
	_ rest.Authenticator = (*OAuth2RefreshToken)(nil)
	_ rest.Refresher     = (*OAuth2RefreshToken)(nil)
)
