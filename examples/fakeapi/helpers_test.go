package fakeapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
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
type doc struct {
	JSONAPI struct {
		Version string `json:"version"`
	} `json:"jsonapi"`
	Data   json.RawMessage   `json:"data"`
	Links  map[string]string `json:"links"`
	Meta   json.RawMessage   `json:"meta"`
	Errors []struct {
		ID     string            `json:"id"`
		Status any               `json:"status"`
		Detail string            `json:"detail"`
		Source map[string]string `json:"source"`
	} `json:"errors"`
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

// wantAPIError checks a JSON:API error document: the status as a
// string, a detail containing detail, and the offending parameter.
func wantAPIError(t *testing.T, resp *http.Response, body []byte, status int, detail, param string) {
	t.Helper()
	wantStatus(t, resp, body, status)
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.api+json" {
		t.Errorf("Content-Type %q, want application/vnd.api+json", ct)
	}
	d := decode[doc](t, body)
	if d.JSONAPI.Version != "1.0" || len(d.Errors) != 1 {
		t.Fatalf("not a JSON:API error document: %s", body)
	}
	e := d.Errors[0]
	if s, ok := e.Status.(string); !ok || s != strconv.Itoa(status) {
		t.Errorf("errors[0].status = %#v, want the string %q", e.Status, strconv.Itoa(status))
	}
	if !strings.Contains(e.Detail, detail) {
		t.Errorf("errors[0].detail = %q, want it to contain %q", e.Detail, detail)
	}
	if param != "" && e.Source["parameter"] != param {
		t.Errorf("errors[0].source = %v, want parameter %q", e.Source, param)
	}
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
