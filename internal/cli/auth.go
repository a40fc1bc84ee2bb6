package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/credentials"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/secrets"
	"github.com/pipe-etl/pipe/engine/spec"
)

// lockDir holds the file locks that serialise refresh-token rotation
// between pipe processes on one machine.
const lockDir = ".pipe/locks"

// authFactory builds the auth kinds engine/rest does not know: rotating
// refresh tokens (stored in the credential store, rotation serialised by
// a lock) and a snykey-compatible token broker.
func (e *env) authFactory(pipeline string, dest destinations.Destination) engine.AuthFactory {
	return func(ctx context.Context, a *spec.Auth, expand func(string) (string, error), red *rest.Redactor) (rest.Authenticator, error) {
		x := &expander{expand: expand}
		switch a.Type {
		case rest.AuthOAuth2RefreshToken:
			store, err := e.credentialStore()
			if err != nil {
				return nil, err
			}
			cfg := credentials.OAuth2RefreshTokenConfig{
				TokenURL:     x.get(a.TokenURL),
				ClientID:     x.get(a.ClientID),
				ClientSecret: x.get(a.ClientSecret),
				BasicAuth:    a.ClientAuth == "basic",
				Scopes:       a.Scopes,
				Credential:   credentialName(a, pipeline, x),
				Store:        store,
				Locker:       locker(dest),
				Redactor:     red,
				Logger:       e.logger(),
			}
			if x.err != nil {
				return nil, x.err
			}
			return credentials.NewOAuth2RefreshToken(cfg)
		case rest.AuthTokenBroker:
			cfg := credentials.TokenBrokerConfig{
				BrokerURL:    x.get(a.BrokerURL),
				APIKey:       x.get(a.BrokerAPIKey),
				OrgID:        x.get(a.OrgID),
				ClientID:     x.get(a.ClientID),
				ClientSecret: x.get(a.ClientSecret),
				Redactor:     red,
				Logger:       e.logger(),
			}
			if x.err != nil {
				return nil, x.err
			}
			return credentials.NewTokenBroker(cfg)
		}
		return nil, fmt.Errorf("auth type %q: %w", a.Type, rest.ErrUnsupportedAuth)
	}
}

// locker serialises rotation: an advisory lock when the state lives in
// Postgres (pipelines on several machines share it), else a file lock.
func locker(dest destinations.Destination) credentials.Locker {
	if l, ok := dest.(destinations.AdvisoryLocker); ok {
		return l
	}
	return credentials.FileLocker{Dir: lockDir}
}

// credentialName is auth.credential, else the spec name.
func credentialName(a *spec.Auth, pipeline string, x *expander) string {
	if a.Credential != "" {
		return x.get(a.Credential)
	}
	return pipeline
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
// client's (after --var selection), else the first in auths by name.
func refreshAuth(s *spec.Spec, p *plan.Plan) (*spec.Auth, error) {
	for _, r := range p.Resources {
		if r.Auth != nil && r.Auth.Type == rest.AuthOAuth2RefreshToken {
			return r.Auth, nil
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Auths)) {
		if a := s.Auths[name]; a != nil && a.Type == rest.AuthOAuth2RefreshToken {
			return a, nil
		}
	}
	return nil, usagef("spec %s has no oauth2_refresh_token auth to log in with", s.Name)
}
