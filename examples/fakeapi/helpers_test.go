package fakeapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore/fakehttp"
)

// testNow is the fixed clock of most tests; the data does not depend on it.
var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// smallConfig is a quick tenant with the test clock.
func smallConfig() Config {
	c := DemoConfig()
	c.Orgs, c.ProjectsPerOrg, c.IssuesPerOrg, c.ScansPerProject = 3, 4, 137, 25
	c.Now = func() time.Time { return testNow }
	return c
}

func start(t *testing.T, c Config) (*Server, *httptest.Server) {
	t.Helper()
	s := New(c)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

const demoAuth = "token demo-token"

func do(t *testing.T, method, u, auth string, body io.Reader, header ...string) (*http.Response, []byte) {
	t.Helper()
	return fakehttp.Do(t, method, u, auth, body, header...)
}

func get(t *testing.T, u, auth string) (*http.Response, []byte) {
	t.Helper()
	return fakehttp.Get(t, u, auth)
}

func postForm(t *testing.T, u string, form url.Values, header ...string) (*http.Response, []byte) {
	t.Helper()
	return fakehttp.PostForm(t, u, form, header...)
}

// doc is a JSON:API document.
type doc = fakehttp.JSONAPIDoc

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	return fakehttp.Decode[T](t, b)
}

// wantStatus fails unless resp has the status.
func wantStatus(t *testing.T, resp *http.Response, body []byte, status int) {
	t.Helper()
	fakehttp.WantStatus(t, resp, body, status)
}

// wantAPIError checks a JSON:API error document: the status as a
// string, a detail containing detail, and the offending parameter.
func wantAPIError(t *testing.T, resp *http.Response, body []byte, status int, detail, param string) {
	t.Helper()
	fakehttp.WantJSONAPIError(t, resp, body, status, detail, param)
}

// cxLogin logs in to the Checkmarx fake and returns the access token.
func cxLogin(t *testing.T, ts string) string {
	t.Helper()
	resp, body := postForm(t, ts+"/identity/connect/token", url.Values{
		"username": {"demo"}, "password": {"demo-password"}, "acr_values": {"Tenant:demo"},
		"scope": {"sca_api"}, "client_id": {"sca_resource_owner"}, "grant_type": {"password"},
	})
	wantStatus(t, resp, body, http.StatusOK)
	return decode[struct {
		AccessToken string `json:"access_token"`
	}](t, body).AccessToken
}
