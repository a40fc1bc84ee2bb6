package checkmarxfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
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

// do sends a request and returns the response with its body read.
func do(t *testing.T, method, u, auth string, body io.Reader, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func get(t *testing.T, u, auth string) (*http.Response, []byte) {
	t.Helper()
	return do(t, http.MethodGet, u, auth, nil)
}

func postForm(t *testing.T, u string, form url.Values) (*http.Response, []byte) {
	t.Helper()
	return do(t, http.MethodPost, u, "", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, b)
	}
	return v
}

// wantStatus fails unless resp has the status.
func wantStatus(t *testing.T, resp *http.Response, body []byte, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", resp.Request.Method, resp.Request.URL, resp.StatusCode, status, body)
	}
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
