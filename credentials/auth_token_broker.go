package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

// TokenBrokerConfig configures a TokenBroker authenticator.
type TokenBrokerConfig struct {
	// BrokerURL is the broker's base address, e.g. https://snykey:8000.
	BrokerURL string
	// APIKey is sent as X-API-Key.
	APIKey string
	// OrgID, ClientID and ClientSecret name the credential at the broker.
	OrgID, ClientID, ClientSecret string
	// HTTPClient defaults to a client with a 30 s timeout.
	HTTPClient *http.Client
	// Redactor, if set, learns the API key, client secret and every token.
	Redactor Redactor
	// Logger, nil means discard.
	Logger *slog.Logger
}

// TokenBroker authenticates with access tokens handed out by a
// snykey-compatible broker (auth type token_broker): GET
// {broker}/v1/credentials?org_id&client_id&client_secret with X-API-Key
// returns {"access_token":...}, sent as "Authorization: bearer <token>".
// The broker does all refreshing; the token is kept in memory (a
// rest.TokenCache) until the API answers 401, when Refresh asks the
// broker to drop its cache (DELETE /v1/cache) and fetches a new one: once
// for concurrent 401s for one token, not at all for a late 401 for a
// token already replaced.
type TokenBroker struct {
	cfg   TokenBrokerConfig
	hc    *http.Client
	log   *slog.Logger
	base  string
	cache *rest.TokenCache
}

// BrokerError is an error reply from the broker: {"error": "..."}.
type BrokerError struct {
	Method     string
	URL        string // without the query, which holds the client secret
	StatusCode int
	Message    string
}

// Error reads like `token broker: GET https://b/v1/credentials: 404 Not Found: No refresh key found for org/client`.
func (e *BrokerError) Error() string {
	s := fmt.Sprintf("token broker: %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// NewTokenBroker checks cfg and returns the authenticator.
func NewTokenBroker(cfg TokenBrokerConfig) (*TokenBroker, error) {
	switch {
	case cfg.BrokerURL == "":
		return nil, errors.New("token_broker: no broker_url")
	case cfg.OrgID == "" || cfg.ClientID == "":
		return nil, errors.New("token_broker: org_id and client_id are required")
	}
	if _, err := url.Parse(cfg.BrokerURL); err != nil {
		return nil, fmt.Errorf("token_broker: broker_url: %w", err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &TokenBroker{cfg: cfg, hc: hc, log: log, base: strings.TrimRight(cfg.BrokerURL, "/")}
	b.cache = rest.NewTokenCache(b.fetch)
	b.redact(cfg.APIKey)
	b.redact(cfg.ClientSecret)
	return b, nil
}

// Authenticate sets "Authorization: bearer <token>", fetching a token
// from the broker if none is held.
func (b *TokenBroker) Authenticate(ctx context.Context, req *rest.Request) error {
	tok, err := b.token(ctx)
	if err != nil {
		return err
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Authorization", "bearer "+tok)
	return nil
}

// Refresh renews the token after the API rejected the one stale carried
// (401), unless it was renewed since that request was sent: so concurrent
// 401s for one token cause one renewal, and a late 401 for a replaced
// token causes none. A nil stale renews unconditionally.
func (b *TokenBroker) Refresh(ctx context.Context, stale *rest.Request) error {
	if !invalidateStale(b.cache, stale) {
		return nil
	}
	_, err := b.token(ctx)
	return err
}

// token returns the cached token, or the one fetch gets.
func (b *TokenBroker) token(ctx context.Context) (string, error) {
	tok, err := b.cache.Get(ctx)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return "", fmt.Errorf("token broker: %w", err)
	}
	return tok, err
}

// fetch is the cache's renewal. A renewal (stale set: the API refused
// that token) first drops the broker's cached token, which is stale too,
// so that the broker refreshes instead of handing it back.
func (b *TokenBroker) fetch(ctx context.Context, stale string) (string, time.Duration, error) {
	if stale != "" {
		q := url.Values{"org_id": {b.cfg.OrgID}, "client_id": {b.cfg.ClientID}}
		if _, err := b.call(ctx, http.MethodDelete, "/v1/cache", q); err != nil {
			return "", 0, err
		}
	}
	q := url.Values{"org_id": {b.cfg.OrgID}, "client_id": {b.cfg.ClientID}, "client_secret": {b.cfg.ClientSecret}}
	body, err := b.call(ctx, http.MethodGet, "/v1/credentials", q)
	if err != nil {
		return "", 0, err
	}
	var resp struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || resp.AccessToken == "" {
		return "", 0, fmt.Errorf("token broker: GET %s/v1/credentials: no access_token in the reply", b.base)
	}
	b.redact(resp.AccessToken)
	b.log.Debug("token broker: access token fetched", "org_id", b.cfg.OrgID, "client_id", b.cfg.ClientID)
	return resp.AccessToken, 0, nil
}

// call sends one request to the broker; errors never show the query.
func (b *TokenBroker) call(ctx context.Context, method, path string, q url.Values) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, b.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("token broker: %s %s%s: bad address", method, b.base, path)
	}
	req.Header.Set("X-API-Key", b.cfg.APIKey)
	req.Header.Set("Accept", "application/json")
	resp, err := b.hc.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its text holds the URL with the client secret
		}
		return nil, fmt.Errorf("token broker: %s %s%s: %w", method, b.base, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("token broker: %s %s%s: %w", method, b.base, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(body, &e)
		return nil, &BrokerError{Method: method, URL: b.base + path, StatusCode: resp.StatusCode, Message: e.Error}
	}
	return body, nil
}

func (b *TokenBroker) redact(s string) {
	if b.cfg.Redactor != nil && s != "" {
		b.cfg.Redactor.Add(s)
	}
}

var (
	_ rest.Authenticator = (*TokenBroker)(nil)
	_ rest.Refresher     = (*TokenBroker)(nil)
)
