package rest

import (
	"context"
	"net"
	"net/http"
	"syscall"
	"time"
)

type scopeKey struct{}

// withScope tells a shared transport's dialer the Scope of the Client
// whose request dials.
func withScope(ctx context.Context, s *Scope) context.Context {
	if s == nil {
		return ctx
	}
	return context.WithValue(ctx, scopeKey{}, s)
}

// NewSharedTransport returns a transport that the Clients of several
// runs of one spec may share through Options.HTTPClient, so that each
// run does not dial its connections again (pipe worker reuses one across
// a spec's partitions). Like a Client's own default transport it keeps
// connections alive, and its dialer refuses link-local and cloud
// metadata addresses unless allowed_hosts lists one: the Scope it checks
// is that of the Client whose request dials. Redirect policy and
// credentials stay each Client's own; do not share one transport between
// specs whose scopes differ.
func NewSharedTransport() *http.Transport {
	t := DefaultHTTPClient().Transport.(*http.Transport)
	t.DialContext = (&net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		ControlContext: func(ctx context.Context, network, address string, c syscall.RawConn) error {
			s, _ := ctx.Value(scopeKey{}).(*Scope)
			return s.checkDial(network, address, c)
		},
	}).DialContext
	return t
}
