package rest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLoginRedirectNamesTokenURL: a login whose token URL redirects to
// another origin sends nothing there and fails naming the redirect's
// target and token_url, the setting that would send it there directly.
func TestLoginRedirectNamesTokenURL(t *testing.T) {
	var hits int
	other := serve(t, func(w http.ResponseWriter, r *http.Request) { hits++ })
	tok := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/v2/login", http.StatusPermanentRedirect)
	})
	a, err := newAuthenticator(&AuthConfig{Type: AuthLogin, TokenURL: tok.URL + "/login", JSON: map[string]any{"user": "ann", "password": "{secrets.pw}"}, HeaderPrefix: DefaultHeaderPrefix}, secrets(map[string]string{"pw": "Pa55-w0rd"}), NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	err = a.Authenticate(context.Background(), get(t, "https://api.test/"))
	want := "login POST " + tok.URL + "/login: origin not allowed: a token request was redirected to " + other.URL + "/v2/login, where the credentials are not sent (set token_url to that URL if it is the vendor's)"
	if err == nil || err.Error() != want || !errors.Is(err, ErrOutOfScope) {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	if hits != 0 {
		t.Errorf("the other origin got %d requests", hits)
	}
	if err != nil && strings.Contains(err.Error(), "Pa55-w0rd") {
		t.Errorf("the error shows the password")
	}
}

// TestLoginReplies: a login reply with the token, whose expires_in may
// be null (no expiry known), logs in; one without names what it holds,
// never a value that may be a credential.
func TestLoginReplies(t *testing.T) {
	for _, c := range []struct{ name, contentType, body, want, err string }{
		{name: "expires_in null", body: `{"access_token": "tok-1", "expires_in": null}`, want: "Bearer tok-1"},
		{name: "expires_in a string", body: `{"access_token": "tok-1", "expires_in": "3600"}`, want: "Bearer tok-1"},
		{name: "errors on a 200", body: `{"errors": [{"message": "locked out"}], "session_token": "st-HIDDEN"}`,
			err: `200 OK: no token at token_path "access_token" in the response (Content-Type "application/json"; it holds keys "errors", "session_token"; "errors" is [{"message": "locked out"}])`},
		{name: "an HTML page", contentType: "text/html", body: `<html>st-HIDDEN</html>`,
			err: `200 OK: no token at token_path "access_token" in the response (Content-Type "text/html"; the reply is not JSON)`},
		{name: "a JSON string", body: `"st-HIDDEN"`,
			err: `200 OK: no token at token_path "access_token" in the response (Content-Type "application/json"; the reply is a JSON string)`},
		{name: "nothing", body: ``,
			err: `200 OK: no token at token_path "access_token" in the response (Content-Type "application/json"; the reply is empty)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			idp := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if c.contentType != "" {
					w.Header().Set("Content-Type", c.contentType)
				}
				io.WriteString(w, c.body)
			})
			a, err := newAuthenticator(&AuthConfig{Type: AuthLogin, TokenURL: idp.URL + "/login", Form: map[string]string{"u": "a"}, HeaderPrefix: DefaultHeaderPrefix}, nil, NewRedactor())
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/")
			err = a.Authenticate(context.Background(), req)
			if c.err == "" {
				if err != nil || req.Header.Get("Authorization") != c.want {
					t.Errorf("err = %v, Authorization %q; want %q", err, req.Header.Get("Authorization"), c.want)
				}
				return
			}
			if want := "login POST " + idp.URL + "/login: " + c.err; err == nil || err.Error() != want {
				t.Errorf("err = %v\nwant %s", err, want)
			}
		})
	}
}
