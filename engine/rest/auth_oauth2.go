package rest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tidwall/gjson"

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
	rec := &tokenReplyRecorder{next: o.hc.Transport}
	hc := *o.hc
	hc.Transport = rec
	tok, err := o.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, &hc))
	where := "oauth2_client_credentials: token " + o.red.URL(mustParse(o.cfg.TokenURL))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil {
			err := fmt.Errorf("%s: %s: %s", where, statusText(re.Response.StatusCode), refusalText(o.red, re.Body))
			return "", 0, tokenBusy(err, re.Response.StatusCode, re.Response.Header, time.Now())
		}
		var ue *url.Error // the request failed: no reply to describe
		if rec.status != 0 && !errors.As(err, &ue) {
			return "", 0, fmt.Errorf("%s: %s", where, rec.describe(o.red, err))
		}
		return "", 0, tokenSendError(o.red, where, "token_url", err)
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

// tokenReplyRecorder is the transport of one token request: it keeps the
// reply's status, Content-Type and body, so that a reply the OAuth2
// client rejects without a RetrieveError (200 without access_token, an
// expires_in that is no number) can be described, and it hands a JSON
// reply labelled text/plain or as a form to the client as JSON, which it
// is, instead of letting the client read it as a form and find no token.
type tokenReplyRecorder struct {
	next        http.RoundTripper
	status      int
	contentType string
	body        []byte
}

// maxTokenReply bounds the token reply read, as the OAuth2 client does.
const maxTokenReply = 1 << 20

func (r *tokenReplyRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	next := r.next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenReply))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.status, r.contentType, r.body = resp.StatusCode, resp.Header.Get("Content-Type"), body
	resp.Body = io.NopCloser(bytes.NewReader(body))
	media, _, _ := mime.ParseMediaType(r.contentType)
	if (media == "text/plain" || media == "application/x-www-form-urlencoded") && gjson.ValidBytes(body) && gjson.ParseBytes(body).IsObject() {
		resp.Header = resp.Header.Clone()
		resp.Header.Set("Content-Type", "application/json")
	}
	return resp, nil
}

// describe says what a token reply the OAuth2 client rejected held,
// without any value that may be a credential: its status and
// Content-Type, an expires_in that is no number, its top-level keys and
// the values of those that report an error (redacted).
func (r *tokenReplyRecorder) describe(red *Redactor, err error) string {
	head := fmt.Sprintf("reply %s, Content-Type %q", statusText(r.status), r.contentType)
	if !gjson.ValidBytes(r.body) || !gjson.ParseBytes(r.body).IsObject() {
		if len(bytes.TrimSpace(r.body)) == 0 {
			return head + ": empty, want a JSON object with access_token"
		}
		return head + ": not a JSON object, want one with access_token"
	}
	root := gjson.ParseBytes(r.body)
	if e := root.Get("expires_in"); e.Exists() && e.Type != gjson.Null && e.Type != gjson.Number && !validInt(e.Str) {
		return fmt.Sprintf("%s: expires_in %s is not a whole number of seconds (%s)", head, red.String(snippet([]byte(e.Raw), 40)), red.String(err.Error()))
	}
	if keys := replyKeys(red, root); keys != "" {
		return fmt.Sprintf("%s: no access_token (the reply holds %s)", head, keys)
	}
	return head + ": no access_token (the reply is {})"
}

// replyKeys describes the JSON object of a token reply without any value
// that may be a credential: its top-level keys (at most 20) and the
// values of those that report an error (redacted). "" for {}.
func replyKeys(red *Redactor, root gjson.Result) string {
	var keys []string
	root.ForEach(func(k, _ gjson.Result) bool {
		keys = append(keys, fmt.Sprintf("%q", k.String()))
		return len(keys) < 20
	})
	if len(keys) == 0 {
		return ""
	}
	msg := "keys " + strings.Join(keys, ", ")
	for _, k := range errorKeys(root) {
		msg += fmt.Sprintf("; %q is %s", k, red.String(snippet([]byte(root.Get(k).Raw), 200)))
	}
	return msg
}

// validInt reports whether s is a decimal integer, as expires_in may be
// sent as a string.
func validInt(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// tokenSendError is tokenRequestError, and for a redirect refused
// because it leads to another origin (CrowdStrike's US-1 token endpoint
// sends other clouds' clients a 308 to their own), it names the redirect's
// target and the setting, field, that would send the request there
// directly: a token request carries the client secret, so pipe follows no
// redirect to an origin the spec did not name.
func tokenSendError(red *Redactor, where, field string, err error) error {
	var ue *url.Error
	if errors.Is(err, ErrOutOfScope) && errors.As(err, &ue) {
		if to, perr := url.Parse(ue.URL); perr == nil && to.Host != "" {
			return fmt.Errorf("%s: %w: a token request was redirected to %s, where the credentials are not sent (set %s to that URL if it is the vendor's)", where, ErrOutOfScope, red.URL(to), field)
		}
	}
	return tokenRequestError(red, where, err)
}
