package rest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

var (
	_ Authenticator = (*OAuth2ClientCredentials)(nil)
	_ Refresher     = (*OAuth2ClientCredentials)(nil)
)

// OAuth2ClientCredentials gets an access token with the OAuth 2.0 client
// credentials grant (oauth2_client_credentials) and sends it as
// "Authorization: Bearer <token>".
//
// Fields: TokenURL, ClientID, ClientSecret (required), Scopes, TokenData
// (extra form fields of the token request, which may override
// grant_type), ClientAuth ("basic": credentials in the Authorization
// header; "body": in the form, as dlt sends them), DefaultTokenExpiration.
//
// The token is cached until 30 s before it expires (the reply's
// expires_in, else DefaultTokenExpiration, else until a 401) and fetched
// once for all concurrent requests.
// After a 401 the token that failed is dropped and one new token is
// fetched, however many requests failed with it.
type OAuth2ClientCredentials struct {
	cfg    clientcredentials.Config
	hc     *http.Client
	red    *Redactor
	logger *slog.Logger
	cache  *TokenCache
	// defaultLifetime applies when the reply has no expires_in.
	defaultLifetime time.Duration
}

func newOAuth2ClientCredentials(_ context.Context, cfg *AuthConfig, env AuthEnv) (Authenticator, error) {
	tokenURL, err := urlField(env, "token_url", cfg.TokenURL)
	if err != nil {
		return nil, err
	}
	if cfg.ClientID == "" {
		return nil, fmt.Errorf("client_id is required")
	}
	id, err := field(env, "client_id", cfg.ClientID)
	if err != nil {
		return nil, err
	}
	sec, err := secret(env, "client_secret", cfg.ClientSecret)
	if err != nil {
		return nil, err
	}
	o := &OAuth2ClientCredentials{
		cfg:             clientcredentials.Config{ClientID: id, ClientSecret: sec, TokenURL: tokenURL, Scopes: cfg.Scopes},
		hc:              env.HTTPClient,
		red:             env.Redactor,
		logger:          env.Logger,
		defaultLifetime: cfg.DefaultTokenExpiration,
	}
	switch cfg.ClientAuth {
	case "basic":
		o.cfg.AuthStyle = oauth2.AuthStyleInHeader
	case "body":
		o.cfg.AuthStyle = oauth2.AuthStyleInParams
	default:
		return nil, fmt.Errorf("client_auth %q (want basic or body)", cfg.ClientAuth)
	}
	if len(cfg.TokenData) > 0 {
		o.cfg.EndpointParams = url.Values{}
		for k, v := range cfg.TokenData {
			x, err := field(env, "token_data."+k, v)
			if err != nil {
				return nil, err
			}
			if credentialName(k) {
				env.Redactor.Add(x)
			}
			o.cfg.EndpointParams.Set(k, x)
		}
	}
	o.cache = NewTokenCache(o.fetch)
	return o, nil
}

// Authenticate sets the Authorization header, fetching a token if needed.
func (o *OAuth2ClientCredentials) Authenticate(ctx context.Context, req *Request) error {
	v, err := o.cache.Get(ctx)
	if err != nil {
		return err
	}
	header(req).Set("Authorization", v)
	return nil
}

// Refresh drops the token that got a 401 unless it was already replaced;
// the next Authenticate fetches a new one.
func (o *OAuth2ClientCredentials) Refresh(_ context.Context, stale *Request) error {
	o.cache.InvalidateHeader(stale, "Authorization")
	return nil
}

func (o *OAuth2ClientCredentials) fetch(ctx context.Context, _ string) (string, time.Duration, error) {
	tok, err := o.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, o.hc))
	where := "oauth2_client_credentials: token " + o.red.URL(mustParse(o.cfg.TokenURL))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil {
			return "", 0, fmt.Errorf("%s: %s: %s", where, statusText(re.Response.StatusCode), o.red.String(snippet(re.Body, maxBodySnippet)))
		}
		return "", 0, tokenRequestError(o.red, where, err)
	}
	o.red.Add(tok.AccessToken)
	v := tok.Type() + " " + tok.AccessToken
	o.red.Add(v)
	lifetime := o.defaultLifetime
	if !tok.Expiry.IsZero() {
		lifetime = time.Until(tok.Expiry)
	}
	o.logger.Debug("oauth2_client_credentials: got a token", "token_url", o.red.URL(mustParse(o.cfg.TokenURL)), "expires_in", lifetime.Round(time.Second))
	return v, lifetime, nil
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return &url.URL{Opaque: "(invalid URL)"}
	}
	return u
}
