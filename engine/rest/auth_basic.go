package rest

import (
	"context"
	"encoding/base64"
	"fmt"
)

var _ Authenticator = (*HTTPBasic)(nil)

// HTTPBasic sends RFC 7617 basic credentials (http_basic).
//
// Fields: Username, Password; either may be empty, not both (Azure
// DevOps takes a personal access token as the password of an empty
// username, RFC 7617's ":token").
type HTTPBasic struct {
	header string
}

func newHTTPBasic(_ context.Context, cfg *AuthConfig, env AuthEnv) (Authenticator, error) {
	if cfg.Username == "" && cfg.Password == "" {
		return nil, fmt.Errorf("username or password is required")
	}
	user, pass := "", ""
	var err error
	if cfg.Username != "" {
		if user, err = field(env, "username", cfg.Username); err != nil {
			return nil, err
		}
	}
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
