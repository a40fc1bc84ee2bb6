package rest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// countConns counts the connections srv accepts, and keeps its
// handshake errors out of the test's output.
func countConns(srv *httptest.Server) *atomic.Int32 {
	var n atomic.Int32
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	return &n
}

// TestTransportFailuresNotRetried: a failure no later attempt can get
// past is reported after one attempt, naming its remedy; the client
// used to retry it max_attempts times with backoff, and the error named
// no remedy.
func TestTransportFailuresNotRetried(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `[]`) }

	// A private CA: the client does not trust httptest's certificate.
	untrusted := httptest.NewUnstartedServer(http.HandlerFunc(ok))
	untrustedConns := countConns(untrusted)
	untrusted.StartTLS()
	t.Cleanup(untrusted.Close)

	// A server speaking plain HTTP, reached with https://.
	plain := httptest.NewUnstartedServer(http.HandlerFunc(ok))
	plainConns := countConns(plain)
	plain.Start()
	t.Cleanup(plain.Close)

	// A trusted certificate for another name: httptest's certificate holds
	// 127.0.0.1 and example.com, not localhost.
	other := httptest.NewUnstartedServer(http.HandlerFunc(ok))
	otherConns := countConns(other)
	other.StartTLS()
	t.Cleanup(other.Close)
	otherURL, _ := url.Parse(other.URL)

	// A TLS server reached with http://: it answers a 400 without TLS,
	// which is an answer, not a transport failure; kept out of this table.

	cases := []struct {
		name   string
		client *http.Client
		url    string
		conns  *atomic.Int32
		want   string
	}{
		{"unknown authority", nil, untrusted.URL + "/x?api_token=s3cr3t", untrustedConns, "SSL_CERT_FILE"},
		{"plain http on https", nil, "https://" + strings.TrimPrefix(plain.URL, "http://") + "/x", plainConns, "does not speak TLS"},
		{"certificate for another host", other.Client(), "https://localhost:" + otherURL.Port() + "/x", otherConns, "not valid for this host"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			red := NewRedactor()
			red.Add("s3cr3t")
			c, s := newTestClient(t, Options{HTTPClient: tc.client, Redactor: red})
			_, err := c.Do(context.Background(), get(t, tc.url), Call{Resource: "x"})
			if err == nil {
				t.Fatal("no error")
			}
			var terr *transportError
			if !errors.As(err, &terr) || !terr.final {
				t.Fatalf("not a final transport error: %v", err)
			}
			if n := tc.conns.Load(); n != 1 {
				t.Errorf("%d connections, want 1 (retried)", n)
			}
			if len(s.waits()) != 0 {
				t.Errorf("waited %v before retrying", s.waits())
			}
			msg := err.Error()
			for _, w := range []string{tc.want, "not retried", "GET "} {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q: %s", w, msg)
				}
			}
			if strings.Contains(msg, "s3cr3t") || strings.Contains(msg, "attempts") {
				t.Errorf("error holds the secret or counts attempts: %s", msg)
			}
		})
	}
}

// TestFinalCause covers the causes a test server cannot produce: DNS.
func TestFinalCause(t *testing.T) {
	wrap := func(err error) error {
		return &url.Error{Op: "Get", URL: "https://api.acme.test/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: err}}
	}
	cases := []struct {
		name  string
		err   error
		final bool
	}{
		{"no such host", wrap(&net.DNSError{Err: "no such host", Name: "api.acme.test", IsNotFound: true}), true},
		{"DNS server failing", wrap(&net.DNSError{Err: "server misbehaving", Name: "api.acme.test", IsTemporary: true}), false},
		{"connection refused", wrap(errors.New("connect: connection refused")), false},
		{"reset", wrap(errors.New("read: connection reset by peer")), false},
		{"record header", wrap(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cause, final := finalCause(tc.err)
			if final != tc.final {
				t.Fatalf("final = %v (%s), want %v", final, cause, tc.final)
			}
			if final && tc.name == "no such host" && !strings.Contains(cause, "api.acme.test") {
				t.Errorf("cause does not name the host: %s", cause)
			}
		})
	}
}

// TestLoginUntrustedCertificate: a token endpoint whose certificate the
// client does not trust fails naming the remedy, never the password.
func TestLoginUntrustedCertificate(t *testing.T) {
	idp := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token": "tok-1"}`)
	}))
	conns := countConns(idp)
	idp.StartTLS()
	t.Cleanup(idp.Close)
	a, err := newAuthenticator(&AuthConfig{Type: AuthLogin, TokenURL: idp.URL + "/login", JSON: map[string]any{"user": "ann", "password": "{secrets.pw}"}, HeaderPrefix: DefaultHeaderPrefix}, secrets(map[string]string{"pw": "Pa55-w0rd"}), NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	err = a.Authenticate(context.Background(), get(t, "https://api.test/"))
	if err == nil || !strings.Contains(err.Error(), "SSL_CERT_FILE") || !strings.Contains(err.Error(), "login POST "+idp.URL+"/login") {
		t.Errorf("err = %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "Pa55-w0rd") {
		t.Errorf("the error shows the password")
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}
