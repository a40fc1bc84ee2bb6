package rest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// AuthEnv is what an auth constructor gets besides its AuthConfig.
type AuthEnv struct {
	// Expand resolves the placeholders of a template field. The caller's
	// Expand registers every secret it resolves with Redactor. Nil leaves
	// fields as written.
	Expand func(string) (string, error)
	// HTTPClient sends token, login and broker requests; nil means
	// DefaultHTTPClient.
	HTTPClient *http.Client
	// Redactor learns every credential the authenticator derives or
	// obtains (a token, "Bearer <token>", a basic header); nil registers
	// none.
	Redactor *Redactor
	// Logger, nil discards.
	Logger *slog.Logger
}

// NewAuth builds the Authenticator of one auth kind from a compiled block.
// A missing required field or a missing secret is an error, so a run
// fails before its first request.
type NewAuth func(ctx context.Context, cfg *AuthConfig, env AuthEnv) (Authenticator, error)

// AuthKinds maps auth types to their constructors. The composition root
// assembles one (BuiltinAuthKinds plus the kinds of other packages, such
// as oauth2_refresh_token and token_broker) and hands it to the engine.
type AuthKinds map[string]NewAuth

// BuiltinAuthKinds returns the kinds this package implements: api_key,
// bearer, http_basic, oauth2_client_credentials and login.
func BuiltinAuthKinds() AuthKinds {
	return AuthKinds{
		AuthAPIKey:                  newAPIKey,
		AuthBearer:                  newBearer,
		AuthHTTPBasic:               newHTTPBasic,
		AuthOAuth2ClientCredentials: newOAuth2ClientCredentials,
		AuthLogin:                   newLogin,
	}
}

// New builds cfg's Authenticator with the constructor of its type; a nil
// cfg returns nil and no error. A type with no constructor is an error
// naming the known ones.
func (k AuthKinds) New(ctx context.Context, cfg *AuthConfig, env AuthEnv) (Authenticator, error) {
	if cfg == nil {
		return nil, nil
	}
	if env.Expand == nil {
		env.Expand = func(s string) (string, error) { return s, nil }
	}
	if env.HTTPClient == nil {
		env.HTTPClient = DefaultHTTPClient()
	}
	hc := *env.HTTPClient // token requests follow no redirect to another origin
	hc.CheckRedirect = sameOriginRedirects
	env.HTTPClient = &hc
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	newAuth, ok := k[cfg.Type]
	if !ok {
		return nil, fmt.Errorf("auth %s: unknown type (want one of %s)", cfg.Type, strings.Join(slices.Sorted(maps.Keys(k)), ", "))
	}
	a, err := newAuth(ctx, cfg, env)
	if err != nil {
		return nil, fmt.Errorf("auth %s: %w", cfg.Type, err)
	}
	return a, nil
}

// field expands a non-secret field (a URL, a name).
func field(env AuthEnv, name, v string) (string, error) {
	out, err := env.Expand(v)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// urlField expands a required URL field (a token URL) and checks that
// it is an absolute URL.
func urlField(env AuthEnv, name, v string) (string, error) {
	if v == "" {
		return "", fmt.Errorf("%s is required", name)
	}
	out, err := field(env, name, v)
	if err != nil {
		return "", err
	}
	if _, err := url.ParseRequestURI(out); err != nil {
		// url's error quotes the URL, credentials filled in from
		// {secrets.*} included (userinfo): name the template instead.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("%s: %q is not a URL once its placeholders are filled in: %v", name, v, err)
	}
	return out, nil
}

// secret expands a credential field, requires it non-empty and registers
// its value.
func secret(env AuthEnv, name, v string) (string, error) {
	if v == "" {
		return "", fmt.Errorf("%s is required", name)
	}
	out, err := env.Expand(v)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if out == "" {
		return "", fmt.Errorf("%s is empty after expanding placeholders", name)
	}
	addCredential(env.Redactor, out)
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

// tokenRequestError is the error of a token request that got no
// response: where (which names the request and its redacted URL), then
// the cause without the method and URL that url.Error repeats, redacted.
func tokenRequestError(red *Redactor, where string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if cause, ok := finalCause(err); ok {
		return fmt.Errorf("%s: %s", where, red.String(cause))
	}
	return fmt.Errorf("%s: %s", where, red.String(err.Error()))
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
