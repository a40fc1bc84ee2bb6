package checkmarxfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore/fakehttp"
)

// testNow is the fixed clock of most tests; the data does not depend on it.
var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// smallConfig is a quick tenant with the test clock.
func smallConfig() Config {
	return Config{
		Projects: 4, ScansPerProject: 25, Seed: 1,
		Username: "demo", Password: "demo-password", Tenant: "demo",
		Now: func() time.Time { return testNow },
	}
}

// start serves a fake built from c on a router without faults.
func start(t *testing.T, c Config) (*Server, *httptest.Server) {
	t.Helper()
	s := New(c)
	rt := fakecore.NewRouter(fakecore.RouterConfig{Now: c.Now})
	s.Register(rt)
	ts := httptest.NewServer(rt)
	t.Cleanup(ts.Close)
	return s, ts
}

func do(t *testing.T, method, u, auth string, body io.Reader, header ...string) (*http.Response, []byte) {
	t.Helper()
	return fakehttp.Do(t, method, u, auth, body, header...)
}

func get(t *testing.T, u, auth string) (*http.Response, []byte) {
	t.Helper()
	return fakehttp.Get(t, u, auth)
}

func postForm(t *testing.T, u string, form url.Values) (*http.Response, []byte) {
	t.Helper()
	return fakehttp.PostForm(t, u, form)
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	return fakehttp.Decode[T](t, b)
}

// wantStatus fails unless resp has the status.
func wantStatus(t *testing.T, resp *http.Response, body []byte, status int) {
	t.Helper()
	fakehttp.WantStatus(t, resp, body, status)
}

// oauthErr checks an RFC 6749 error answer.
func oauthErr(t *testing.T, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	wantStatus(t, resp, body, status)
	var e struct{ Error, ErrorDescription string }
	json.Unmarshal(body, &e)
	if e.Error != code {
		t.Fatalf("error = %q, want %q (%s)", e.Error, code, body)
	}
}
