package rest

import (
	"context"
	"fmt"
)

var _ Authenticator = (*APIKey)(nil)

// APIKey sends a fixed key (api_key).
//
// Fields: api_key (required, used verbatim, so it may carry a scheme such
// as "token {secrets.snyk_token}"), name (default "Authorization"),
// location (header, the default; query; cookie).
type APIKey struct {
	name, location, value string
}

func newAPIKey(b authBuilder) (*APIKey, error) {
	v, err := b.secret("api_key", b.a.APIKey)
	if err != nil {
		return nil, err
	}
	k := &APIKey{name: or(b.a.Name, "Authorization"), location: or(b.a.Location, "header"), value: v}
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
