package rest

import (
	"context"
	"fmt"
)

var _ Authenticator = (*APIKey)(nil)

// APIKey sends a fixed key (api_key).
//
// Fields: APIKey (required, used verbatim, so it may carry a scheme such
// as "token {secrets.snyk_token}"), Name, Location (header, query or
// cookie).
type APIKey struct {
	name, location, value string
}

func newAPIKey(_ context.Context, cfg *AuthConfig, env AuthEnv) (Authenticator, error) {
	v, err := secret(env, "api_key", cfg.APIKey)
	if err != nil {
		return nil, err
	}
	k := &APIKey{name: cfg.Name, location: cfg.Location, value: v}
	if k.name == "" {
		return nil, fmt.Errorf("name is required")
	}
	switch k.location {
	case "header", "query", "cookie":
	default:
		return nil, fmt.Errorf("location %q (want header, query or cookie)", k.location)
	}
	return k, nil
}

// Authenticate puts the key in its header, query parameter or cookie.
func (k *APIKey) Authenticate(_ context.Context, req *Request) error {
	switch k.location {
	case "query":
		setQuery(req, k.name, k.value)
	case "cookie":
		c := k.name + "=" + k.value
		if prev := header(req).Get("Cookie"); prev != "" {
			c = prev + "; " + c
		}
		header(req).Set("Cookie", c)
	default:
		header(req).Set(k.name, k.value)
	}
	return nil
}
