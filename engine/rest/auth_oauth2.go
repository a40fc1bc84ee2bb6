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
// Fields: token_url, client_id, client_secret (required), scopes,
// token_data (extra form fields of the token request), client_auth
// ("basic", the default: credentials in the Authorization header; "body":
// in the form).
//
// The token is cached until 30 s before it expires (for ever when the
// reply has no expires_in) and fetched once for all concurrent requests.
// After a 401 the token that failed is dropped and one new token is
// fetched, however many requests failed with it.
type OAuth2ClientCredentials struct {
	cfg    clientcredentials.Config
	hc     *http.Client
	red    *Redactor
	logger *slog.Logger
	cache  *tokenCache
}

func newOAuth2ClientCredentials(b authBuilder, hc *http.Client, logger *slog.Logger) (*OAuth2ClientCredentials, error) {
	if b.a.TokenURL == "" {
		return nil, fmt.Errorf("token_url is required")
	}
	tokenURL, err := b.field("token_url", b.a.TokenURL)
	if err != nil {
		return nil, err
	}
	if _, err := url.ParseRequestURI(tokenURL); err != nil {
		return nil, fmt.Errorf("token_url: %w", err)
	}
	if b.a.ClientID == "" {
		return nil, fmt.Errorf("client_id is required")
	}
	id, err := b.field("client_id", b.a.ClientID)
	if err != nil {
		return nil, err
	}
	secret, err := b.secret("client_secret", b.a.ClientSecret)
	if err != nil {
		return nil, err
	}
	o := &OAuth2ClientCredentials{
		cfg:    clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tokenURL, Scopes: b.a.Scopes},
		hc:     hc,
		red:    b.red,
		logger: logger,
	}
	switch b.a.ClientAuth {
	case "", "basic":
		o.cfg.AuthStyle = oauth2.AuthStyleInHeader
	case "body":
		o.cfg.AuthStyle = oauth2.AuthStyleInParams
	default:
		return nil, fmt.Errorf("client_auth %q (want basic or body)", b.a.ClientAuth)
	}
	if len(b.a.TokenData) > 0 {
		o.cfg.EndpointParams = url.Values{}
		for k, v := range b.a.TokenData {
			x, err := b.field("token_data."+k, v)
			if err != nil {
				return nil, err
			}
			if credentialName(k) || hasSecret(v) {
				b.red.Add(x)
			}
			o.cfg.EndpointParams.Set(k, x)
		}
	}
	o.cache = newTokenCache(o.fetch)
	return o, nil
}

// Authenticate sets the Authorization header, fetching a token if needed.
func (o *OAuth2ClientCredentials) Authenticate(ctx context.Context, req *Request) error {
	v, err := o.cache.get(ctx)
	if err != nil {
		return err
	}
	header(req).Set("Authorization", v)
	return nil
}

// Refresh drops the token that got a 401 unless it was already replaced;
// the next Authenticate fetches a new one.
func (o *OAuth2ClientCredentials) Refresh(ctx context.Context) error {
	o.cache.refreshFrom(ctx, "Authorization")
	return nil
}

func (o *OAuth2ClientCredentials) fetch(ctx context.Context) (string, time.Duration, error) {
	tok, err := o.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, o.hc))
	where := "oauth2_client_credentials: token " + o.red.URL(mustParse(o.cfg.TokenURL))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil {
			return "", 0, fmt.Errorf("%s: %s: %s", where, statusText(re.Response.StatusCode), o.red.String(snippet(re.Body, maxBodySnippet)))
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", 0, fmt.Errorf("%s: %s", where, o.red.String(err.Error()))
	}
	o.red.Add(tok.AccessToken)
	v := tok.Type() + " " + tok.AccessToken
	o.red.Add(v)
	var lifetime time.Duration
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
