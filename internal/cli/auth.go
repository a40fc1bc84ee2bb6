package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// lockDir holds the file locks that serialise refresh-token rotation
// between pipe processes on one machine.
const lockDir = ".pipe/locks"

// authKinds is the auth factory table of a run: engine/rest's kinds plus
// the kinds that keep credentials in a store (rotating refresh tokens,
// rotation serialised by a lock) or get them from a snykey-compatible
// token broker.
func (e *env) authKinds(dest destinations.Destination) rest.AuthKinds {
	k := rest.BuiltinAuthKinds()
	sa := storeAuths{e: e, dest: dest}
	k[rest.AuthOAuth2RefreshToken] = sa.oauth2RefreshToken
	k[rest.AuthTokenBroker] = sa.tokenBroker
	return k
}

// brokerTimeout bounds one request to a token broker.
const brokerTimeout = 30 * time.Second

// storeAuths builds the auth kinds of package credentials.
type storeAuths struct {
	e    *env
	dest destinations.Destination
}

func (sa storeAuths) oauth2RefreshToken(_ context.Context, a *rest.AuthConfig, env rest.AuthEnv) (rest.Authenticator, error) {
	store, err := sa.e.credentialStore()
	if err != nil {
		return nil, err
	}
	x := &expander{expand: env.Expand}
	cfg := credentials.OAuth2RefreshTokenConfig{
		TokenURL:     x.get(a.TokenURL),
		ClientID:     x.get(a.ClientID),
		ClientSecret: x.get(a.ClientSecret),
		BasicAuth:    a.ClientAuth == "basic",
		Scopes:       a.Scopes,
		Credential:   x.get(a.Credential),
		Store:        store,
		Locker:       locker(store, sa.dest),
		// A second place for recovery files, beside .pipe.
		FallbackRecoveryDir: credentials.FallbackRecoveryDir(sa.e.getenv),
		HTTPClient:          env.HTTPClient,
		Redactor:            env.Redactor,
		Logger:              env.Logger,
	}
	if x.err != nil {
		return nil, x.err
	}
	return credentials.NewOAuth2RefreshToken(cfg)
}

func (sa storeAuths) tokenBroker(_ context.Context, a *rest.AuthConfig, env rest.AuthEnv) (rest.Authenticator, error) {
	x := &expander{expand: env.Expand}
	hc := *env.HTTPClient // its redirect policy, with the broker's own timeout
	hc.Timeout = brokerTimeout
	cfg := credentials.TokenBrokerConfig{
		BrokerURL:    x.get(a.BrokerURL),
		APIKey:       x.get(a.BrokerAPIKey),
		OrgID:        x.get(a.OrgID),
		ClientID:     x.get(a.ClientID),
		ClientSecret: x.get(a.ClientSecret),
		HTTPClient:   &hc,
		Redactor:     env.Redactor,
		Logger:       env.Logger,
	}
	if x.err != nil {
		return nil, x.err
	}
	return credentials.NewTokenBroker(cfg)
}

// locker serialises rotation with a lock that belongs to the store
// holding the refresh token, so every process that shares the token
// shares the lock: the store's own lock when it has one (Vault/OpenBao:
// a check-and-set entry in the vault); else, for the secrets file, the
// destination's advisory lock when it has one (Postgres: pipelines on
// several machines share it) or a file lock beside the secrets file.
func locker(store secrets.Writer, dest destinations.Destination) credentials.Locker {
	if l, ok := store.(credentials.Locker); ok {
		return l
	}
	if l, ok := dest.(destinations.AdvisoryLocker); ok {
		return l
	}
	return credentials.FileLocker{Dir: lockDir}
}

// expander expands templates, keeping the first error.
type expander struct {
	expand func(string) (string, error)
	err    error
}

func (x *expander) get(s string) string {
	if s == "" || x.err != nil {
		return s
	}
	v, err := x.expand(s)
	if err != nil {
		x.err = err
	}
	return v
}

// planExpander resolves a plan's remaining placeholders outside a run:
// variables from the plan, secrets from the store.
func planExpander(ctx context.Context, p *plan.Plan, store secrets.Store) func(string) (string, error) {
	return func(s string) (string, error) {
		t, err := spec.ParseTemplate(s)
		if err != nil {
			return "", err
		}
		return t.Expand(func(part spec.Part) (string, error) {
			switch part.Namespace {
			case spec.NSVars:
				return p.Vars[part.Name], nil
			case spec.NSSecrets:
				return store.Get(ctx, part.Name)
			}
			return "", fmt.Errorf("%s cannot be used in an auth block", part)
		})
	}
}

// refreshAuth finds the oauth2_refresh_token block a spec uses: the
// client's (after --var selection), else the first in auths by name,
// compiled with its defaults.
func refreshAuth(s *spec.Spec, p *plan.Plan) (*rest.AuthConfig, error) {
	for _, r := range p.Resources {
		if r.Auth != nil && r.Auth.Type == rest.AuthOAuth2RefreshToken {
			return r.Auth, nil
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Auths)) {
		if a := s.Auths[name]; a != nil && a.Type == rest.AuthOAuth2RefreshToken {
			return plan.CompileAuth(s, a, p.Vars)
		}
	}
	return nil, usagef("spec %s has no oauth2_refresh_token auth to log in with", s.Name)
}
