package rest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestOAuth2TokenReplies: each token reply either yields the token or
// fails naming what the reply held, and never shows a value that may be
// a credential (the client secret echoed back, a refresh token, a token
// under another name).
func TestOAuth2TokenReplies(t *testing.T) {
	const secret = "cl1ent-S3cret/value"
	for _, c := range []struct {
		name, contentType, body string
		status                  int
		want                    string // the Authorization header, or
		err                     string // the error after "token URL: "
	}{
		{name: "as RFC 6749", body: `{"access_token": "tok-1", "token_type": "bearer", "expires_in": 3600}`, want: "Bearer tok-1"},
		{name: "expires_in a string", body: `{"access_token": "tok-1", "token_type": "Bearer", "expires_in": "3599"}`, want: "Bearer tok-1"},
		{name: "201 Created", status: http.StatusCreated, body: `{"access_token": "tok-1", "token_type": "bearer", "expires_in": 1799}`, want: "Bearer tok-1"},
		{name: "JSON as text/plain", contentType: "text/plain;charset=UTF-8", body: `{"access_token": "tok-1", "token_type": "Bearer"}`, want: "Bearer tok-1"},
		{name: "a form reply", contentType: "application/x-www-form-urlencoded", body: `access_token=tok-1&token_type=bearer&expires_in=3600`, want: "Bearer tok-1"},
		{name: "errors on a 200", body: `{"errors": [{"code": 403, "message": "bad client ` + secret + `"}], "refresh_token": "rt-HIDDEN"}`,
			err: `reply 200 OK, Content-Type "application/json": no access_token (the reply holds keys "errors", "refresh_token"; "errors" is [{"code": 403, "message": "bad client ***"}])`},
		{name: "a token under another name", body: `{"accessToken": "at-HIDDEN", "expiresIn": 3600}`,
			err: `reply 200 OK, Content-Type "application/json": no access_token (the reply holds keys "accessToken", "expiresIn")`},
		{name: "an empty object", body: `{}`, err: `reply 200 OK, Content-Type "application/json": no access_token (the reply is {})`},
		{name: "expires_in a word", body: `{"access_token": "at-HIDDEN", "expires_in": "never"}`,
			err: `reply 200 OK, Content-Type "application/json": expires_in "never" is not a whole number of seconds`},
		{name: "an HTML page", contentType: "text/html", body: `<html>at-HIDDEN</html>`,
			err: `reply 200 OK, Content-Type "text/html": not a JSON object, want one with access_token`},
		{name: "nothing", body: ``, err: `reply 200 OK, Content-Type "application/json": empty, want a JSON object with access_token`},
		{name: "an OAuth error on a 200", body: `{"error": "invalid_client"}`, err: `200 OK: it holds keys "error"; "error" is "invalid_client"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if c.contentType != "" {
					w.Header().Set("Content-Type", c.contentType)
				}
				if c.status != 0 {
					w.WriteHeader(c.status)
				}
				io.WriteString(w, c.body)
			})
			red := NewRedactor()
			a, err := newAuthenticator(&AuthConfig{Type: AuthOAuth2ClientCredentials, TokenURL: tok.URL + "/token", ClientID: "app", ClientSecret: secret, ClientAuth: "body"}, nil, red)
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
			want := "oauth2_client_credentials: token " + tok.URL + "/token: " + c.err
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("err = %v\nwant %s", err, want)
			}
			if err != nil && (strings.Contains(err.Error(), "HIDDEN") || strings.Contains(err.Error(), secret)) {
				t.Errorf("the error shows a credential: %v", err)
			}
		})
	}
}
