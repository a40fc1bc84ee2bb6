// Package fakehttp holds the request helpers that the fake API packages'
// tests share: send a request and read its answer, decode JSON, check a
// status.
package fakehttp

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Do sends a request with the Authorization value auth (none when empty)
// and header name/value pairs, and returns the response with its body
// read. Any transport error fails the test.
func Do(t testing.TB, method, u, auth string, body io.Reader, header ...string) (*http.Response, []byte) {
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

// Get sends a GET (see Do).
func Get(t testing.TB, u, auth string) (*http.Response, []byte) {
	t.Helper()
	return Do(t, http.MethodGet, u, auth, nil)
}

// PostForm sends form URL-encoded, with more header pairs (see Do).
func PostForm(t testing.TB, u string, form url.Values, header ...string) (*http.Response, []byte) {
	t.Helper()
	return Do(t, http.MethodPost, u, "", strings.NewReader(form.Encode()), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
}

// Decode unmarshals b into a T or fails the test showing b.
func Decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, b)
	}
	return v
}

// WantStatus fails unless resp has the status.
func WantStatus(t testing.TB, resp *http.Response, body []byte, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", resp.Request.Method, resp.Request.URL, resp.StatusCode, status, body)
	}
}
