package engine_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	loginJamfUser     = "api-reader"
	loginJamfPassword = "Zq7!vR2#pL9@wX4$" // URL delimiters: no userinfo could carry it
)

var loginJamfBasic = "Basic " + base64.StdEncoding.EncodeToString([]byte(loginJamfUser+":"+loginJamfPassword))

// loginJamf serves the Jamf Pro API as
// https://developer.jamf.com/jamf-pro/docs/jamf-pro-api-overview,
// https://developer.jamf.com/jamf-pro/reference/post_v1-auth-token,
// https://developer.jamf.com/jamf-pro/v11.14.0/reference/post_v1-auth-keep-alive
// and https://developer.jamf.com/jamf-pro/reference/get_v1-computers-inventory
// describe it: POST /api/v1/auth/token with Authorization: Basic
// base64(user:password) answers {"token", "expires"}, expires an
// instant (RFC 3339 with milliseconds, Z) the token's lifetime ahead;
// POST /api/v1/auth/keep-alive with a valid Bearer token invalidates it
// and answers a new one the same way; every other request needs
// Authorization: Bearer TOKEN of a token not expired nor invalidated,
// else 401 {"httpStatus": 401, "errors": [...]}; GET
// /api/v1/computers-inventory?section=&page=&page-size=&sort= answers
// {"totalCount", "results"}, page from 0.
//
// Knobs for hostile variants: life (the token's lifetime, 20 minutes by
// default), expires (the "expires" value written for an instant), delay
// (each inventory page answers after it), revokeAfter (after that many
// pages every token is invalidated, as when an admin changes the
// account's password; with lockout, every token issued from then on is
// refused too), redirectTo (the token URL answers 308 to that URL).
type loginJamf struct {
	life        time.Duration
	expires     func(at time.Time) any
	delay       time.Duration
	revokeAfter int
	lockout     bool
	redirectTo  string

	mu           sync.Mutex
	tokens       map[string]time.Time // valid tokens and their expiry
	logins       []string             // each token request: Authorization|Content-Type|body
	apiAuth      []string             // Authorization of each other request
	keepAlives   int
	unauthorized int
	locked       bool
	pages        []string
	computers    []map[string]any
}

func newLoginJamf() *loginJamf {
	a := &loginJamf{life: 20 * time.Minute, tokens: map[string]time.Time{},
		expires: func(at time.Time) any { return at.UTC().Format("2006-01-02T15:04:05.000Z") }}
	for i := 1; i <= 5; i++ {
		a.computers = append(a.computers, map[string]any{
			"id": fmt.Sprint(i), "udid": fmt.Sprintf("5A2C29B1-0BDC-4C5C-8F2E-00000000000%d", i),
			"general": map[string]any{"name": fmt.Sprintf("Mac-%d", i), "lastContactTime": fmt.Sprintf("2024-05-0%dT12:00:00.123Z", i), "supervised": i%2 == 0},
		})
	}
	return a
}

func (a *loginJamf) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now() // tokens are checked as of the request's arrival
	if r.URL.Path == "/api/v1/computers-inventory" && a.delay > 0 {
		time.Sleep(a.delay)
	}
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	switch r.URL.Path {
	case "/api/v1/auth/token":
		a.logins = append(a.logins, r.Header.Get("Authorization")+"|"+r.Header.Get("Content-Type")+"|"+string(body))
		if a.redirectTo != "" {
			http.Redirect(w, r, a.redirectTo, http.StatusPermanentRedirect)
			return
		}
		if r.Method != http.MethodPost || r.Header.Get("Authorization") != loginJamfBasic {
			curWrite(w, 401, `{"httpStatus": 401, "errors": []}`)
			return
		}
		a.issue(w, now)
		return
	}
	a.apiAuth = append(a.apiAuth, r.Header.Get("Authorization"))
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if exp, ok := a.tokens[tok]; !ok || !now.Before(exp) {
		a.unauthorized++
		curWrite(w, 401, `{"httpStatus": 401, "errors": [{"code": "INVALID_TOKEN", "description": "Unauthorized", "id": "0", "field": null}]}`)
		return
	}
	switch r.URL.Path {
	case "/api/v1/auth/keep-alive":
		a.keepAlives++
		delete(a.tokens, tok)
		a.issue(w, now)
		return
	case "/api/v1/computers-inventory":
	default:
		curWrite(w, 404, `{"httpStatus": 404, "errors": [{"code": "NOT_FOUND", "description": "Not Found"}]}`)
		return
	}
	q := r.URL.Query()
	page, size := curQueryInt(q, "page", 0), curQueryInt(q, "page-size", 100)
	a.pages = append(a.pages, q.Get("page"))
	from := min(page*size, len(a.computers))
	to := min(from+size, len(a.computers))
	curWrite(w, 200, curJSON(map[string]any{"totalCount": len(a.computers), "results": a.computers[from:to]}))
	if len(a.pages) == a.revokeAfter {
		clear(a.tokens)
		a.locked = a.lockout
	}
}

// issue answers a new token, as the token and keep-alive endpoints do.
func (a *loginJamf) issue(w http.ResponseWriter, now time.Time) {
	tok := fmt.Sprintf("eyJhbGciOiJIUzI1NiJ9.jamf%d.sig", len(a.logins)+a.keepAlives)
	if !a.locked {
		a.tokens[tok] = now.Add(a.life)
	}
	curWrite(w, 200, curJSON(map[string]any{"token": tok, "expires": a.expires(now.Add(a.life))}))
}

// check fails t unless the fake saw want token requests, each with the
// Basic credentials and no body, and API requests that all carried a
// Bearer token, never the Basic credentials; no keep-alive (pipe logs in
// again instead).
func (a *loginJamf) check(t *testing.T, wantLogins int) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.logins) != wantLogins {
		t.Errorf("%d token requests, want %d: %q", len(a.logins), wantLogins, a.logins)
	}
	for _, l := range a.logins {
		if l != loginJamfBasic+"||" {
			t.Errorf("token request got %q, want the Basic header, no Content-Type, no body", l)
		}
	}
	for _, h := range a.apiAuth {
		if !strings.HasPrefix(h, "Bearer eyJ") {
			t.Errorf("an API request carried Authorization %q", h)
		}
	}
	if a.keepAlives != 0 {
		t.Errorf("%d keep-alive requests", a.keepAlives)
	}
}

func loginJamfEnv() map[string]string {
	return map[string]string{"JAMF_USER": loginJamfUser, "JAMF_PASSWORD": loginJamfPassword}
}

const loginJamfQuery = `SELECT id, udid, general__name, general__supervised FROM computers ORDER BY id`

func (a *loginJamf) want() []string {
	var want []string
	for _, c := range a.computers {
		g := c["general"].(map[string]any)
		want = append(want, fmt.Sprintf("%v|%v|%v|%v", c["id"], c["udid"], g["name"], g["supervised"]))
	}
	return want
}

// noSecrets fails t when the password, or the Basic header that encodes
// it, appears in the run's error, logs or database.
func (a *loginJamf) noSecrets(t *testing.T, r curRun) {
	t.Helper()
	r.noSecret(t, loginJamfPassword)
	r.noSecret(t, strings.TrimPrefix(loginJamfBasic, "Basic "))
}

// TestLoginJamfBasic: the spec a newcomer could not write
// (TestNewcomerJamfLoginSpec): basic credentials on the token request,
// the token's "expires" read as an instant. The five computers load in
// pages of two from 0 with one login; the token request has the Basic
// header and no body; API requests carry the Bearer token only.
func TestLoginJamfBasic(t *testing.T) {
	api := newLoginJamf()
	r, _ := curServe(t, api, "login_jamf", "", loginJamfEnv())
	r.mustLoad(t)
	r.checkTable(t, loginJamfQuery, api.want())
	api.check(t, 1)
	api.noSecrets(t, r)
	if fmt.Sprint(api.pages) != "[0 1 2 3]" || api.unauthorized != 0 {
		t.Errorf("pages %v, %d 401s; want [0 1 2 3] and none", api.pages, api.unauthorized)
	}
}

// TestLoginJamfEpochMillis: Jamf's first token endpoint (/uapi/auth/tokens)
// answered "expires" in epoch milliseconds; expires_at_path reads them.
func TestLoginJamfEpochMillis(t *testing.T) {
	api := newLoginJamf()
	api.expires = func(at time.Time) any { return at.UnixMilli() }
	r, _ := curServe(t, api, "login_jamf", "", loginJamfEnv())
	r.mustLoad(t)
	r.checkTable(t, loginJamfQuery, api.want())
	api.check(t, 1)
}

// TestLoginJamfRenewsBeforeExpiry: a token that lives 1.5 s (its
// "expires" says so) while pages take 0.4 s each is renewed before it
// expires (at half its lifetime, as for short-lived tokens), so the API
// answers no 401.
func TestLoginJamfRenewsBeforeExpiry(t *testing.T) {
	api := newLoginJamf()
	api.life, api.delay = 1500*time.Millisecond, 400*time.Millisecond
	r, _ := curServe(t, api, "login_jamf", "", loginJamfEnv())
	r.mustLoad(t)
	r.checkTable(t, loginJamfQuery, api.want())
	api.mu.Lock()
	logins, unauthorized := len(api.logins), api.unauthorized
	api.mu.Unlock()
	if logins < 2 || unauthorized != 0 {
		t.Errorf("%d logins, %d 401s; want a renewal before the expiry and no 401", logins, unauthorized)
	}
	api.check(t, logins)
}

// TestLoginJamf401MidWalk: the tokens are invalidated after page 1 (an
// admin changed the account): the next page's 401 makes pipe log in once
// more and the walk completes. When every new token is refused as well,
// the run fails naming the 401, with nothing loaded.
func TestLoginJamf401MidWalk(t *testing.T) {
	t.Run("once", func(t *testing.T) {
		api := newLoginJamf()
		api.revokeAfter = 2
		r, _ := curServe(t, api, "login_jamf", "", loginJamfEnv())
		r.mustLoad(t)
		r.checkTable(t, loginJamfQuery, api.want())
		api.check(t, 2)
		if api.unauthorized != 1 {
			t.Errorf("%d 401s, want 1", api.unauthorized)
		}
	})
	t.Run("always", func(t *testing.T) {
		api := newLoginJamf()
		api.revokeAfter, api.lockout = 1, true
		r, srv := curServe(t, api, "login_jamf", "", loginJamfEnv())
		r.failedClean(t, srv, nil, loginJamfPassword, []string{"computers"}, `resource "computers"`, "401")
		api.noSecrets(t, r)
		t.Log(r.err)
	})
}

// TestLoginJamfExpiryHostile: an "expires" pipe cannot read, or one
// already past, fails the run before any API request, naming
// expires_at_path, the value and the setting; the token, the password
// and the Basic header appear nowhere.
func TestLoginJamfExpiryHostile(t *testing.T) {
	for _, c := range []struct {
		name    string
		expires func(at time.Time) any
		parts   []string
	}{
		{"past", func(at time.Time) any { return at.Add(-2 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z") },
			[]string{`expires_at_path "expires" is string "`, "in the past by this machine's clock", "leave expires_at_path out to keep the token until a 401"}},
		{"garbage", func(time.Time) any { return "never" },
			[]string{`expires_at_path "expires" is string "never": want an RFC 3339 date-time`, "leave expires_at_path out"}},
		{"zoneless", func(at time.Time) any { return at.UTC().Format("2006-01-02T15:04:05.000") },
			[]string{`expires_at_path "expires" is string "`, "a date-time without a UTC offset"}},
		{"microseconds", func(at time.Time) any { return at.UnixMicro() },
			[]string{`expires_at_path "expires" is number `, "too large for epoch milliseconds"}},
		{"boolean", func(time.Time) any { return true },
			[]string{`expires_at_path "expires" is boolean true: want`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := newLoginJamf()
			api.expires = c.expires
			r, srv := curServe(t, api, "login_jamf", "", loginJamfEnv())
			r.failedClean(t, srv, nil, loginJamfPassword, []string{"computers"}, append([]string{"login POST http://api.test/api/v1/auth/token"}, c.parts...)...)
			api.noSecrets(t, r)
			r.noSecret(t, "eyJhbGciOiJIUzI1NiJ9.jamf1.sig")
			if len(api.apiAuth) != 0 {
				t.Errorf("%d API requests after a refused expiry", len(api.apiAuth))
			}
			t.Log(r.err)
		})
	}
}

// TestLoginJamfRedirectedToken: a token URL that answers 308 to another
// origin (a proxy, a moved instance) gets no request there, Basic header
// or other; the run fails naming the redirect's target and token_url.
func TestLoginJamfRedirectedToken(t *testing.T) {
	other := newLoginJamf()
	otherURL := newcomerServer(t, other)
	api := newLoginJamf()
	api.redirectTo = otherURL + "/api/v1/auth/token"
	r, srv := curServe(t, api, "login_jamf", "", loginJamfEnv())
	r.failedClean(t, srv, nil, loginJamfPassword, []string{"computers"}, "login POST http://api.test/api/v1/auth/token", "redirected to "+otherURL+"/api/v1/auth/token", "set token_url to that URL")
	api.noSecrets(t, r)
	if len(other.logins)+len(other.apiAuth) != 0 {
		t.Errorf("the other origin got requests: %q %q", other.logins, other.apiAuth)
	}
}

// TestLoginJamfExpiresInNamesExpiresAt: the spec the newcomer first wrote,
// expires_in_path on Jamf's instant, fails naming expires_at_path, the
// setting that reads it.
func TestLoginJamfExpiresInNamesExpiresAt(t *testing.T) {
	api := newLoginJamf()
	text := curEdited(t, "login_jamf", "expires_at_path: expires", "expires_in_path: expires")
	r, srv := curServe(t, api, "login_jamf", text, loginJamfEnv())
	r.failedClean(t, srv, nil, loginJamfPassword, []string{"computers"}, `expires_in_path "expires" is string "`, "want seconds: it is a date-time, which expires_at_path reads (write expires_at_path: expires instead)")
}
