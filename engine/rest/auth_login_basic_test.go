package rest

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

const (
	basicUser     = "api-reader"
	basicPassword = "Zq7!vR2#pL9@wX4$"
)

var basicHeader = "Basic " + base64.StdEncoding.EncodeToString([]byte(basicUser+":"+basicPassword))

// basicToken is a token endpoint that wants HTTP Basic and no body, as
// Jamf Pro's POST /api/v1/auth/token does, and records what it got.
type basicToken struct {
	mu    sync.Mutex
	got   []string // per request: "Authorization|Content-Type|body"
	reply string
}

func (b *basicToken) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	b.got = append(b.got, r.Header.Get("Authorization")+"|"+r.Header.Get("Content-Type")+"|"+string(body))
	b.mu.Unlock()
	if r.Method != http.MethodPost || r.Header.Get("Authorization") != basicHeader {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"httpStatus": 401, "errors": []}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, b.reply)
}

func basicSecrets() func(string) (string, error) {
	return secrets(map[string]string{"user": basicUser, "pw": basicPassword})
}

// TestLoginBasic: basic credentials go as one Authorization: Basic header
// on the token request, with no body when the block has neither form nor
// json (and beside the form when it has one); the request that uses the
// token carries the token header, never the Basic one.
func TestLoginBasic(t *testing.T) {
	for _, c := range []struct {
		name string
		form map[string]string
		want string
	}{
		{name: "no body", want: basicHeader + "||"},
		{name: "with a form", form: map[string]string{"scope": "read"}, want: basicHeader + "|application/x-www-form-urlencoded|scope=read"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok := &basicToken{reply: `{"token": "eyJ.jamf1.sig", "expires": "2999-01-01T00:00:00.000Z"}`}
			srv := serve(t, tok.ServeHTTP)
			a, err := newAuthenticator(&AuthConfig{Type: AuthLogin, TokenURL: srv.URL + "/api/v1/auth/token", Form: c.form,
				Username: "{secrets.user}", Password: "{secrets.pw}", TokenPath: "token", ExpiresAtPath: "expires", HeaderPrefix: DefaultHeaderPrefix},
				basicSecrets(), NewRedactor())
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/api/v1/computers-inventory")
			if err := a.Authenticate(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get("Authorization"); got != "Bearer eyJ.jamf1.sig" {
				t.Errorf("API request Authorization %q, want the token", got)
			}
			if strings.Join(tok.got, "\n") != c.want {
				t.Errorf("token requests got %q, want %q", tok.got, c.want)
			}
		})
	}
}

// TestLoginBasicEmptyPart: as in http_basic, an empty username or password
// is sent as such (RFC 7617's ":token"); both empty once expanded is an
// error before any request.
func TestLoginBasicEmptyPart(t *testing.T) {
	var got string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		io.WriteString(w, `{"access_token": "t"}`)
	})
	a, err := newAuthenticator(&AuthConfig{Type: AuthLogin, TokenURL: srv.URL, Password: "{secrets.pw}", HeaderPrefix: DefaultHeaderPrefix}, basicSecrets(), NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Authenticate(context.Background(), get(t, "https://api.test/")); err != nil {
		t.Fatal(err)
	}
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+basicPassword)); got != want {
		t.Errorf("Authorization %q, want %q", got, want)
	}
	_, err = newAuthenticator(&AuthConfig{Type: AuthLogin, TokenURL: srv.URL, Username: "{secrets.none}", Password: "{secrets.none}", HeaderPrefix: DefaultHeaderPrefix},
		func(s string) (string, error) { return strings.ReplaceAll(s, "{secrets.none}", ""), nil }, NewRedactor())
	if err == nil || !strings.Contains(err.Error(), "basic.password is empty after expanding placeholders") {
		t.Errorf("err = %v, want basic.password is empty", err)
	}
}

// TestLoginBasicRefused: a token endpoint that refuses the credentials
// fails the login naming the token URL and status; neither the password
// nor the Basic header's base64 appears in the error or the log.
func TestLoginBasicRefused(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"httpStatus": 401, "errors": [{"description": "bad `+r.Header.Get("Authorization")+`"}]}`)
	})
	var logs strings.Builder
	red := NewRedactor()
	a, err := BuiltinAuthKinds().New(context.Background(), &AuthConfig{Type: AuthLogin, TokenURL: srv.URL + "/api/v1/auth/token", Username: "{secrets.user}", Password: "{secrets.pw}",
		TokenPath: "token", ExpiresAtPath: "expires", HeaderName: "Authorization", HeaderPrefix: DefaultHeaderPrefix}, AuthEnv{Expand: basicSecrets(), Redactor: red, Logger: slogTo(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Authenticate(context.Background(), get(t, "https://api.test/"))
	if err == nil || !strings.HasPrefix(err.Error(), "login POST "+srv.URL+"/api/v1/auth/token: 401 Unauthorized") {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []string{basicPassword, strings.TrimPrefix(basicHeader, "Basic ")} {
		if strings.Contains(err.Error(), s) || strings.Contains(logs.String(), s) {
			t.Errorf("the error or log holds %q: %v", s, err)
		}
	}
}

// TestLoginBasicRedirects: a token URL that redirects within its origin
// (307) gets the Basic header again there; one that redirects to another
// origin sends nothing there and fails naming the target and token_url.
func TestLoginBasicRedirects(t *testing.T) {
	var otherHits int
	var otherAuth string
	other := serve(t, func(w http.ResponseWriter, r *http.Request) { otherHits++; otherAuth = r.Header.Get("Authorization") })
	tok := &basicToken{reply: `{"token": "eyJ.moved.sig"}`}
	var srvURL string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/uapi/auth/tokens":
			http.Redirect(w, r, srvURL+"/api/v1/auth/token", http.StatusTemporaryRedirect)
		case "/away":
			http.Redirect(w, r, other.URL+"/api/v1/auth/token", http.StatusTemporaryRedirect)
		default:
			tok.ServeHTTP(w, r)
		}
	})
	srvURL = srv.URL
	login := func(path string) (*Request, error) {
		a, err := newAuthenticator(&AuthConfig{Type: AuthLogin, TokenURL: srv.URL + path, Username: "{secrets.user}", Password: "{secrets.pw}", TokenPath: "token", ExpiresAtPath: "expires", HeaderPrefix: DefaultHeaderPrefix}, basicSecrets(), NewRedactor())
		if err != nil {
			t.Fatal(err)
		}
		req := get(t, "https://api.test/")
		return req, a.Authenticate(context.Background(), req)
	}
	req, err := login("/uapi/auth/tokens")
	if err != nil || req.Header.Get("Authorization") != "Bearer eyJ.moved.sig" {
		t.Errorf("same-origin redirect: err = %v, Authorization %q", err, req.Header.Get("Authorization"))
	}
	_, err = login("/away")
	want := "login POST " + srv.URL + "/away: origin not allowed: a token request was redirected to " + other.URL + "/api/v1/auth/token, where the credentials are not sent (set token_url to that URL if it is the vendor's)"
	if err == nil || err.Error() != want || !errors.Is(err, ErrOutOfScope) {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	if otherHits != 0 || otherAuth != "" {
		t.Errorf("the other origin got %d requests (Authorization %q)", otherHits, otherAuth)
	}
}

// TestLoginBodyChecks: a login with form and json, or with neither and no
// basic credentials, or with both expiry paths, is refused before any
// request.
func TestLoginBodyChecks(t *testing.T) {
	for _, c := range []struct {
		cfg  AuthConfig
		want string
	}{
		{AuthConfig{Type: AuthLogin, TokenURL: "https://t.test/", Form: map[string]string{"a": "b"}, JSON: map[string]any{"a": "b"}}, "auth login: form and json are both request bodies (keep one)"},
		{AuthConfig{Type: AuthLogin, TokenURL: "https://t.test/"}, "auth login: one of form, json and basic is required"},
		{AuthConfig{Type: AuthLogin, TokenURL: "https://t.test/", Username: "u", ExpiresInPath: "expires_in", ExpiresAtPath: "expires"}, "auth login: give expires_in_path or expires_at_path, not both"},
		{AuthConfig{Type: AuthLogin, TokenURL: "https://t.test/", Username: "u", Password: "{secrets.missing}"}, "auth login: basic.password: secret not set"},
	} {
		_, err := newAuthenticator(&c.cfg, basicSecrets(), NewRedactor())
		if err == nil || err.Error() != c.want {
			t.Errorf("err = %v, want %s", err, c.want)
		}
	}
}
