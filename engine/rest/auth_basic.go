package rest

import (
	"context"
	"encoding/base64"
	"fmt"
)

var _ Authenticator = (*HTTPBasic)(nil)

// HTTPBasic sends RFC 7617 basic credentials (http_basic).
//
// Fields: Username (required), Password (may be empty).
type HTTPBasic struct {
	header string
}

func newHTTPBasic(_ context.Context, cfg *AuthConfig, env AuthEnv) (Authenticator, error) {
	if cfg.Username == "" {
		return nil, fmt.Errorf("username is required")
	}
	user, err := field(env, "username", cfg.Username)
	if err != nil {
		return nil, err
	}
	pass := ""
	if cfg.Password != "" {
		if pass, err = secret(env, "password", cfg.Password); err != nil {
			return nil, err
		}
	}
	enc := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	env.Redactor.Add(enc)
	return &HTTPBasic{header: "Basic " + enc}, nil
}

// Authenticate sets the Authorization header.
func (h *HTTPBasic) Authenticate(_ context.Context, req *Request) error {
	header(req).Set("Authorization", h.header)
	return nil
}
