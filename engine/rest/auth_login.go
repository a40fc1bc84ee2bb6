package rest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

var (
	_ Authenticator = (*Login)(nil)
	_ Refresher     = (*Login)(nil)
)

// Login POSTs credentials to a token URL and sends the token it gets back
// (login), as Checkmarx SCA wants.
//
// Fields: TokenURL (required), Form (form-encoded body) or JSON (JSON
// body), values being templates expanded at each login; Username and
// Password, HTTP Basic credentials of the token request only (Jamf Pro's
// /api/v1/auth/token, Cisco Catalyst Center's /dna/system/api/v1/auth/token),
// expanded once; at least one of Form, JSON and the Basic credentials, and
// without Form or JSON the POST has no body. TokenPath (gjson),
// ExpiresInPath (gjson, seconds) or ExpiresAtPath (gjson, an RFC 3339
// date-time or epoch seconds or milliseconds; see parseExpiresAt), either
// absent from the reply meaning no expiry; HeaderName, HeaderPrefix.
//
// It logs in again 30 s before the token expires (or at half its lifetime,
// for short-lived ones) and after a 401, once for all concurrent requests.
// A failed login names the token URL and the status, never the
// credentials.
type Login struct {
	tokenURL  string
	form      map[string]string
	json      map[string]any
	basic     string // "Basic <base64>" sent to tokenURL only, or ""
	tokenPath string
	expiresIn string
	expiresAt string
	header    string
	prefix    string
	expand    func(string) (string, error)
	hc        *http.Client
	red       *Redactor
	logger    *slog.Logger
	cache     *TokenCache
	now       func() time.Time
}

func newLogin(_ context.Context, cfg *AuthConfig, env AuthEnv) (Authenticator, error) {
	tokenURL, err := urlField(env, "token_url", cfg.TokenURL)
	if err != nil {
		return nil, err
	}
	basic, err := loginBasic(cfg, env)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.Form != nil && cfg.JSON != nil:
		return nil, fmt.Errorf("form and json are both request bodies (keep one)")
	case cfg.Form == nil && cfg.JSON == nil && basic == "":
		return nil, fmt.Errorf("one of form, json and basic is required")
	case cfg.ExpiresInPath != "" && cfg.ExpiresAtPath != "":
		return nil, fmt.Errorf("give expires_in_path or expires_at_path, not both")
	}
	for name, v := range map[string]string{"token_path": cfg.TokenPath, "expires_in_path": cfg.ExpiresInPath + cfg.ExpiresAtPath, "header_name": cfg.HeaderName} {
		if v == "" {
			return nil, fmt.Errorf("%s is required", name)
		}
	}
	l := &Login{
		tokenURL: tokenURL, form: cfg.Form, json: cfg.JSON, basic: basic,
		tokenPath: cfg.TokenPath, expiresIn: cfg.ExpiresInPath, expiresAt: cfg.ExpiresAtPath,
		header: cfg.HeaderName, prefix: cfg.HeaderPrefix,
		expand: env.Expand, hc: env.HTTPClient, red: env.Redactor, logger: env.Logger,
		now: time.Now,
	}
	l.cache = NewTokenCache(l.login)
	return l, nil
}

// Authenticate sets the token header, logging in if needed.
func (l *Login) Authenticate(ctx context.Context, req *Request) error {
	v, err := l.cache.Get(ctx)
	if err != nil {
		return err
	}
	header(req).Set(l.header, v)
	return nil
}

// Refresh drops the token that got a 401 unless it was already replaced;
// the next Authenticate logs in again.
func (l *Login) Refresh(_ context.Context, stale *Request) error {
	l.cache.InvalidateHeader(stale, l.header)
	return nil
}

func (l *Login) login(ctx context.Context, _ string) (string, time.Duration, error) {
	where := "login POST " + l.red.URL(mustParse(l.tokenURL))
	body, ctype, err := l.body()
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", where, err)
	}
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.tokenURL, rd)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", where, err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if l.basic != "" {
		// The token client follows redirects within the token URL's
		// origin only (sameOriginRedirects), so the header goes nowhere
		// else; API requests get the token header, never this one.
		req.Header.Set("Authorization", l.basic)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := l.hc.Do(req)
	if err != nil {
		return "", 0, tokenSendError(l.red, where, "token_url", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenReply))
	if err != nil {
		return "", 0, fmt.Errorf("%s: read body: %s", where, l.red.String(err.Error()))
	}
	if resp.StatusCode >= 300 {
		err := fmt.Errorf("%s: %s: %s", where, statusText(resp.StatusCode), refusalText(l.red, b))
		return "", 0, tokenBusy(err, resp.StatusCode, resp.Header, time.Now())
	}
	tok := gjson.GetBytes(b, l.tokenPath)
	if tok.Type != gjson.String || tok.Str == "" {
		return "", 0, fmt.Errorf("%s: %s: no token at token_path %q in the response (Content-Type %q; %s)", where, statusText(resp.StatusCode), l.tokenPath, resp.Header.Get("Content-Type"), loginReplyShape(l.red, b))
	}
	l.red.Add(tok.Str)
	v := l.prefix + tok.Str
	l.red.Add(v)
	lifetime, err := l.lifetime(b)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", where, err)
	}
	l.logger.Debug("login: got a token", "token_url", l.red.URL(mustParse(l.tokenURL)), "expires_in", lifetime.Round(time.Millisecond))
	return v, lifetime, nil
}

// lifetime reads how long the token of the login reply b lives, from
// expires_in_path or expires_at_path; 0 when the reply has no value
// there (or null): no expiry known.
func (l *Login) lifetime(b []byte) (time.Duration, error) {
	if l.expiresAt != "" {
		e := gjson.GetBytes(b, l.expiresAt)
		if !e.Exists() || e.Type == gjson.Null {
			return 0, nil
		}
		return expiresAtLifetime(l.red, l.expiresAt, e, l.now())
	}
	e := gjson.GetBytes(b, l.expiresIn)
	if !e.Exists() || e.Type == gjson.Null {
		return 0, nil
	}
	secs, err := strconv.ParseFloat(strings.TrimSpace(e.String()), 64)
	if err != nil || secs < 0 {
		if isDateTime(e) {
			return 0, fmt.Errorf("expires_in_path %q is %s, want seconds: it is a date-time, which expires_at_path reads (write expires_at_path: %s instead)", l.expiresIn, redactedKindText(l.red, e), l.expiresIn)
		}
		return 0, fmt.Errorf("expires_in_path %q is %s, want seconds", l.expiresIn, redactedKindText(l.red, e))
	}
	return seconds(secs), nil
}

// loginBasic expands the HTTP Basic credentials of a login's token
// request, as http_basic does (either may be empty, not both), and
// registers the header's value; "" when the block has none.
func loginBasic(cfg *AuthConfig, env AuthEnv) (string, error) {
	if cfg.Username == "" && cfg.Password == "" {
		return "", nil
	}
	user, pass := "", ""
	var err error
	if cfg.Username != "" {
		if user, err = field(env, "basic.username", cfg.Username); err != nil {
			return "", err
		}
	}
	if cfg.Password != "" {
		if pass, err = secret(env, "basic.password", cfg.Password); err != nil {
			return "", err
		}
	}
	if user == "" && pass == "" {
		return "", fmt.Errorf("basic: username and password are both empty once their placeholders are filled in")
	}
	enc := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	env.Redactor.Add(enc)
	return "Basic " + enc, nil
}

// body expands the form or JSON templates, registering credential values;
// nil and no content type when the login sends neither (basic only).
func (l *Login) body() ([]byte, string, error) {
	if l.form == nil && l.json == nil {
		return nil, "", nil
	}
	if l.form != nil {
		f := url.Values{}
		for k, v := range l.form {
			x, err := l.value("form."+k, k, v)
			if err != nil {
				return nil, "", err
			}
			f.Set(k, x)
		}
		return []byte(f.Encode()), "application/x-www-form-urlencoded", nil
	}
	v, err := l.expandJSON("json", "", l.json)
	if err != nil {
		return nil, "", err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, "", fmt.Errorf("encode json: %w", err)
	}
	return b, "application/json", nil
}

// value expands one field; a value under a sensitive key (password,
// client_secret, ...) is registered with the redactor (values from
// {secrets.*} are registered by the expander).
func (l *Login) value(path, key, v string) (string, error) {
	x, err := l.expand(v)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if credentialName(key) {
		l.red.Add(x)
	}
	return x, nil
}

func (l *Login) expandJSON(path, key string, v any) (any, error) {
	switch t := v.(type) {
	case string:
		return l.value(path, key, t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			x, err := l.expandJSON(path+"."+k, k, e)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			x, err := l.expandJSON(fmt.Sprintf("%s[%d]", path, i), key, e)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	return v, nil
}

// refusalText describes the refusal b of a token endpoint by its keys and
// the values of its error and message fields (redacted), never another
// value: a refusal may carry a credential of its own (Docker Hub's
// login_2fa_token, for the second step of a two-factor login).
func refusalText(red *Redactor, b []byte) string {
	shape := loginReplyShape(red, b)
	if root := gjson.ParseBytes(b); gjson.ValidBytes(b) && root.IsObject() {
		for _, k := range []string{"error_description", "detail", "message"} {
			if v := root.Get(k); v.Type == gjson.String && v.Str != "" {
				shape += fmt.Sprintf("; %q is %s", k, red.String(snippet([]byte(v.Raw), 200)))
			}
		}
	}
	return shape
}

// loginReplyShape says what a login reply without a token holds, never a
// value that may be a credential (see replyKeys).
func loginReplyShape(red *Redactor, b []byte) string {
	switch {
	case len(bytes.TrimSpace(b)) == 0:
		return "the reply is empty"
	case !gjson.ValidBytes(b):
		return "the reply is not JSON"
	}
	root := gjson.ParseBytes(b)
	if !root.IsObject() {
		return "the reply is a JSON " + kind(root)
	}
	if keys := replyKeys(red, root); keys != "" {
		return "it holds " + keys
	}
	return "the reply is {}"
}
