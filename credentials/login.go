package credentials

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"golang.org/x/oauth2"
)

// LoginConfig configures an interactive OAuth2 login.
type LoginConfig struct {
	AuthorizeURL string
	TokenURL     string
	ClientID     string
	ClientSecret string
	// BasicAuth sends the client credentials with HTTP Basic instead of the form.
	BasicAuth bool
	// TokenParams are extra form fields for the code exchange (spec token_data).
	TokenParams map[string]string
	// Scopes are sent space-joined in the authorize URL.
	Scopes []string
	// AuthParams are extra authorize URL parameters (e.g. Snyk's "version").
	AuthParams map[string]string
	// Credential and Store say where the tokens are stored (see
	// RefreshTokenName and AccessTokenName, or the overrides below).
	Credential                        string
	Store                             secrets.Writer
	RefreshTokenName, AccessTokenName string
	// RedirectURI, if set, is the exact redirect URI registered with the
	// provider: http on a loopback host (127.0.0.1, localhost or [::1])
	// with an explicit port. It overrides Port and CallbackPath.
	RedirectURI string
	// Port is the loopback port of the redirect listener; 0 picks a free one.
	// The redirect URI is then http://127.0.0.1:<port><CallbackPath>.
	Port int
	// CallbackPath defaults to "/callback".
	CallbackPath string
	// Timeout bounds the wait for the redirect; default 5 minutes.
	Timeout time.Duration
	// OpenBrowser, if set, is called with the authorize URL (after it is printed).
	OpenBrowser func(url string) error
	// HTTPClient is used for the token endpoint.
	HTTPClient *http.Client
	// Redactor, if set, learns the client secret and the tokens.
	Redactor Redactor
	// RecoveryDir and FallbackRecoveryDir are where the refresh token is
	// saved if the store refuses it (see Rotation).
	RecoveryDir, FallbackRecoveryDir string
	// Logger, nil means discard.
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time

	listenHost string // set by check
}

// Login runs the OAuth2 authorization code flow with PKCE (S256): it
// prints the authorize URL to out, waits for the provider's redirect to a
// loopback listener, checks the state, exchanges the code (with the
// verifier, client id and secret, and redirect URI) and stores the
// refresh token and the cached access token. A redirect with the wrong
// state aborts the login. If the store refuses the refresh token it is
// saved to a recovery file, as in Rotation.
func Login(ctx context.Context, cfg LoginConfig, out io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.listenHost, strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("login %q: redirect listener: %w", cfg.Credential, err)
	}
	redirectURI := cfg.RedirectURI
	if redirectURI == "" {
		redirectURI = fmt.Sprintf("http://127.0.0.1:%d%s", ln.Addr().(*net.TCPAddr).Port, cfg.CallbackPath)
	}
	state, err := randomString(24)
	if err != nil {
		ln.Close()
		return fmt.Errorf("login %q: %w", cfg.Credential, err)
	}
	verifier := oauth2.GenerateVerifier()
	conf := &oauth2.Config{ClientID: cfg.ClientID, Endpoint: oauth2.Endpoint{AuthURL: cfg.AuthorizeURL}, RedirectURL: redirectURI, Scopes: cfg.Scopes}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for k, v := range cfg.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	authURL := conf.AuthCodeURL(state, opts...)

	cb := &callback{path: cfg.CallbackPath, state: state, done: make(chan callbackResult, 1)}
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()

	fmt.Fprintf(out, "Open this address in a browser to authorize pipe:\n\n  %s\n\nWaiting for the redirect to %s ...\n", authURL, redirectURI)
	if cfg.OpenBrowser != nil {
		if err := cfg.OpenBrowser(authURL); err != nil {
			fmt.Fprintf(out, "(could not open a browser: %v; open the address yourself)\n", err)
		}
	}

	wctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var res callbackResult
	select {
	case res = <-cb.done:
	case <-wctx.Done():
		return fmt.Errorf("login %q: no redirect to %s: %w", cfg.Credential, redirectURI, wctx.Err())
	}
	if res.err != nil {
		return fmt.Errorf("login %q: %w", cfg.Credential, res.err)
	}

	ep := TokenEndpoint{URL: cfg.TokenURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, BasicAuth: cfg.BasicAuth, HTTPClient: cfg.HTTPClient}
	tok, err := ep.ExchangeCode(ctx, res.code, verifier, redirectURI, cfg.TokenParams)
	if err != nil {
		return fmt.Errorf("login %q: exchange code: %w", cfg.Credential, err)
	}
	for _, s := range []string{tok.AccessToken, tok.RefreshToken} {
		if cfg.Redactor != nil && s != "" {
			cfg.Redactor.Add(s)
		}
	}
	if tok.RefreshToken == "" {
		return fmt.Errorf("login %q: the provider returned no refresh token", cfg.Credential)
	}
	rot := Rotation{Store: cfg.Store, Name: cfg.RefreshTokenName, Label: cfg.Credential, RecoveryDir: cfg.RecoveryDir, FallbackDir: cfg.FallbackRecoveryDir, Now: cfg.Now}
	// What the login replaces, if the store can say, so that a recovery
	// file written below is recognised as newer than it.
	prev, _ := cfg.Store.Get(ctx, cfg.RefreshTokenName)
	if err := rot.Save(ctx, tok, prev); err != nil {
		return fmt.Errorf("login %q: %w", cfg.Credential, err)
	}
	if err := writeCached(ctx, cfg.Store, cfg.AccessTokenName, CachedToken{Token: tok.AccessToken, Expiry: tok.Expiry}); err != nil {
		cfg.Logger.Warn("access token not cached", "credential", cfg.Credential, "err", err)
	}
	fmt.Fprintf(out, "Logged in: refresh token stored in %s.\n", describe(cfg.Store, cfg.RefreshTokenName))
	return nil
}

// check validates cfg and fills in defaults.
func (cfg *LoginConfig) check() error {
	switch {
	case cfg.Credential == "":
		return errors.New("login: no credential name")
	case cfg.AuthorizeURL == "" || cfg.TokenURL == "":
		return fmt.Errorf("login %q: authorize and token URLs are required", cfg.Credential)
	case cfg.ClientID == "":
		return fmt.Errorf("login %q: no client_id", cfg.Credential)
	case cfg.Store == nil:
		return fmt.Errorf("login %q: no secrets store", cfg.Credential)
	}
	if cfg.CallbackPath == "" {
		cfg.CallbackPath = "/callback"
	}
	cfg.listenHost = "127.0.0.1"
	if cfg.RedirectURI != "" {
		u, err := url.Parse(cfg.RedirectURI)
		if err != nil || u.Scheme != "http" || u.Port() == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("login %q: redirect_uri %q: want http://127.0.0.1:PORT/PATH (loopback, explicit port)", cfg.Credential, cfg.RedirectURI)
		}
		switch u.Hostname() {
		case "127.0.0.1", "localhost":
		case "::1":
			cfg.listenHost = "::1"
		default:
			return fmt.Errorf("login %q: redirect_uri %q: the host must be loopback (127.0.0.1, localhost or [::1])", cfg.Credential, cfg.RedirectURI)
		}
		port, err := strconv.Atoi(u.Port())
		if err != nil {
			return fmt.Errorf("login %q: redirect_uri %q: bad port", cfg.Credential, cfg.RedirectURI)
		}
		cfg.Port = port
		cfg.CallbackPath = u.Path
		if cfg.CallbackPath == "" {
			cfg.CallbackPath = "/"
		}
	}
	if cfg.RefreshTokenName == "" {
		cfg.RefreshTokenName = RefreshTokenName(cfg.Credential)
	}
	if cfg.AccessTokenName == "" {
		cfg.AccessTokenName = AccessTokenName(cfg.Credential)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Redactor != nil && cfg.ClientSecret != "" {
		cfg.Redactor.Add(cfg.ClientSecret)
	}
	return nil
}

// callback receives the provider's redirect. The first request to its
// path decides the outcome; later ones are refused.
type callback struct {
	path  string
	state string
	once  sync.Once
	done  chan callbackResult
}

type callbackResult struct {
	code string
	err  error
}

func (c *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != c.path {
		http.NotFound(w, r)
		return
	}
	first := false
	c.once.Do(func() { first = true })
	if !first {
		page(w, http.StatusGone, "This login has already finished.")
		return
	}
	q := r.URL.Query()
	var res callbackResult
	switch {
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(c.state)) != 1:
		res.err = errors.New("the redirect's state does not match (a stale or forged redirect); login aborted")
		page(w, http.StatusBadRequest, "Login refused: the state parameter does not match. Start the login again.")
	case q.Get("error") != "":
		res.err = fmt.Errorf("authorization refused: %s: %s", q.Get("error"), q.Get("error_description"))
		page(w, http.StatusBadRequest, "Authorization refused: "+q.Get("error"))
	case q.Get("code") == "":
		res.err = errors.New("the redirect carries no code")
		page(w, http.StatusBadRequest, "The redirect carries no code.")
	default:
		res.code = q.Get("code")
		page(w, http.StatusOK, "pipe received the authorization. You can close this tab and return to the terminal.")
	}
	c.done <- res
}

func page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><title>pipe login</title><p>%s</p>\n", html.EscapeString(msg))
}

// randomString returns n random bytes, base64url without padding.
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
