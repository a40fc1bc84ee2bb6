package rest

import (
	"context"
	"errors"
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
