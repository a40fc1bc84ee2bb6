package rest

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestSharedTransportReusesConnectionsAcrossClients: two Clients (two
// runs of a spec) on one shared transport send their requests on one
// connection, and each keeps its own scope at dial time: a Client whose
// scope does not list a metadata address cannot dial it.
func TestSharedTransportReusesConnectionsAcrossClients(t *testing.T) {
	var dialed atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"data":[]}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialed.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	hc := &http.Client{Transport: NewSharedTransport()}
	defer hc.CloseIdleConnections()
	for i := range 3 {
		scope, _ := NewScope(srv.URL, nil)
		c, _ := newTestClient(t, Options{HTTPClient: hc, Scope: scope})
		if _, err := c.Do(context.Background(), get(t, srv.URL+"/orgs"), Call{}); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	if n := dialed.Load(); n != 1 {
		t.Errorf("%d connections for three clients' requests; want one, reused", n)
	}

	scope, _ := NewScope("http://169.254.169.254/", nil)
	c, _ := newTestClient(t, Options{HTTPClient: hc, Scope: scope})
	_, err := c.Do(context.Background(), get(t, "http://169.254.169.254/latest/meta-data/"), Call{})
	if !errors.Is(err, ErrOutOfScope) || !strings.Contains(err.Error(), "link-local or cloud metadata address") {
		t.Errorf("dial of a metadata address the scope does not list: %v; want it refused", err)
	}
}
