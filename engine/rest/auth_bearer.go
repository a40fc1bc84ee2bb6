package rest

import "context"

var _ Authenticator = (*Bearer)(nil)

// Bearer sends "Authorization: Bearer <token>" (bearer).
//
// Fields: Token (required).
type Bearer struct {
	header string
}

func newBearer(_ context.Context, cfg *AuthConfig, env AuthEnv) (Authenticator, error) {
	t, err := secret(env, "token", cfg.Token)
	if err != nil {
		return nil, err
	}
	h := "Bearer " + t
	env.Redactor.Add(h)
	return &Bearer{header: h}, nil
}

// Authenticate sets the Authorization header.
func (t *Bearer) Authenticate(_ context.Context, req *Request) error {
	header(req).Set("Authorization", t.header)
	return nil
}
