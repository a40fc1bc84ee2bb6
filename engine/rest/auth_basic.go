package rest

import (
	"context"
	"encoding/base64"
	"fmt"
)

var _ Authenticator = (*HTTPBasic)(nil)

// HTTPBasic sends RFC 7617 basic credentials (http_basic).
//
// Fields: username (required), password (may be empty).
type HTTPBasic struct {
	header string
}

func newHTTPBasic(b authBuilder) (*HTTPBasic, error) {
	if b.a.Username == "" {
		return nil, fmt.Errorf("username is required")
	}
	user, err := b.field("username", b.a.Username)
	if err != nil {
		return nil, err
	}
	pass := ""
	if b.a.Password != "" {
		if pass, err = b.secret("password", b.a.Password); err != nil {
			return nil, err
		}
	}
	enc := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	b.red.Add(enc)
	return &HTTPBasic{header: "Basic " + enc}, nil
}

// Authenticate sets the Authorization header.
func (h *HTTPBasic) Authenticate(_ context.Context, req *Request) error {
	header(req).Set("Authorization", h.header)
	return nil
}
