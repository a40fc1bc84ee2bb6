package credentials

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"
)

// ErrInvalidGrant matches a *TokenError whose code is invalid_grant: the
// refresh token or code was used already, expired or was revoked. Only a
// new login helps.
var ErrInvalidGrant = errors.New("invalid_grant")

// TokenEndpoint is an OAuth2 token endpoint and the client that calls
// it. Client credentials are sent in the form body (client_id,
// client_secret), as Snyk documents, unless BasicAuth is set.
type TokenEndpoint struct {
	URL          string
	ClientID     string
	ClientSecret string
	// BasicAuth sends the client credentials with HTTP Basic
	// authentication instead of the form (spec client_auth: basic).
	BasicAuth bool
	// HTTPClient defaults to http.DefaultClient.
	HTTPClient *http.Client
}

// TokenError is an error reply from a token endpoint. It holds the
// provider's error code and description, never the request's secrets.
type TokenError struct {
	URL         string
	StatusCode  int
	Code        string
	Description string
}

// Error reads like `token endpoint https://api.snyk.io/oauth2/token: 400: invalid_grant: token was used`.
func (e *TokenError) Error() string {
	s := fmt.Sprintf("token endpoint %s: %d", e.URL, e.StatusCode)
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Is matches ErrInvalidGrant for the invalid_grant code.
func (e *TokenError) Is(target error) bool {
	return target == ErrInvalidGrant && e.Code == "invalid_grant"
}

// config is the oauth2 configuration for this endpoint.
func (e TokenEndpoint) config(redirectURI string, scopes []string) *oauth2.Config {
	style := oauth2.AuthStyleInParams
	if e.BasicAuth {
		style = oauth2.AuthStyleInHeader
	}
	return &oauth2.Config{
		ClientID:     e.ClientID,
		ClientSecret: e.ClientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: e.URL, AuthStyle: style},
		RedirectURL:  redirectURI,
		Scopes:       scopes,
	}
}

func (e TokenEndpoint) ctx(ctx context.Context) context.Context {
	if e.HTTPClient != nil {
		return context.WithValue(ctx, oauth2.HTTPClient, e.HTTPClient)
	}
	return ctx
}

// Refresh spends refreshToken (grant_type=refresh_token) and returns the
// new token. When the provider rotates, the returned RefreshToken differs
// from the one given and the given one is dead. The request carries only
// the standard fields (golang.org/x/oauth2 adds no others to a refresh).
func (e TokenEndpoint) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	ts := e.config("", nil).TokenSource(e.ctx(ctx), &oauth2.Token{RefreshToken: refreshToken})
	tok, err := ts.Token()
	if err != nil {
		return nil, e.wrap(err)
	}
	return tok, nil
}

// ExchangeCode trades an authorization code for tokens
// (grant_type=authorization_code with code_verifier and redirect_uri);
// params are extra form fields (spec token_data).
func (e TokenEndpoint) ExchangeCode(ctx context.Context, code, verifier, redirectURI string, params map[string]string) (*oauth2.Token, error) {
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(verifier)}
	for k, v := range params {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	tok, err := e.config(redirectURI, nil).Exchange(e.ctx(ctx), code, opts...)
	if err != nil {
		return nil, e.wrap(err)
	}
	return tok, nil
}

// wrap turns oauth2's errors (whose text includes the raw body) into a
// *TokenError, or names the endpoint on a transport error.
func (e TokenEndpoint) wrap(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		te := &TokenError{URL: e.URL, Code: re.ErrorCode, Description: re.ErrorDescription}
		if re.Response != nil {
			te.StatusCode = re.Response.StatusCode
		}
		return te
	}
	return fmt.Errorf("token endpoint %s: %w", e.URL, err)
}
