package rest

import "context"

var _ Authenticator = (*Bearer)(nil)

// Bearer sends "Authorization: Bearer <token>" (bearer).
//
// Fields: token (required).
type Bearer struct {
	header string
}

func newBearer(b authBuilder) (*Bearer, error) {
	t, err := b.secret("token", b.a.Token)
	if err != nil {
		return nil, err
	}
	h := "Bearer " + t
	b.red.Add(h)
	return &Bearer{header: h}, nil
}

// Authenticate sets the Authorization header.
func (t *Bearer) Authenticate(_ context.Context, req *Request) error {
	header(req).Set("Authorization", t.header)
	return nil
}
