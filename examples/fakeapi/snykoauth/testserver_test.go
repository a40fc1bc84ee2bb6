package snykoauth_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

func api(t *testing.T, s *snykoauth.TestServer, tok string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/api", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestReuseRevokesGrant: with RevokeGrantOnReuse, a spent refresh token
// presented again kills its successor and the grant's access tokens;
// without it, only the reuse is refused.
func TestReuseRevokesGrant(t *testing.T) {
	for _, strict := range []bool{false, true} {
		s := snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: strict})
		other := s.IssueRefreshToken() // another grant: never touched
		rt := s.IssueRefreshToken()
		hooked := 0
		s.AfterRotate(func() { hooked++ })
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}}
		code, r1 := token(t, s.URL, form)
		if code != http.StatusOK || hooked != 1 || api(t, s, r1.AccessToken) != http.StatusOK {
			t.Fatalf("strict %v: refresh %d %+v, hook ran %d times", strict, code, r1, hooked)
		}
		if code, r := token(t, s.URL, form); code != http.StatusBadRequest || r.Error != "invalid_grant" || s.Reuses() != 1 {
			t.Fatalf("strict %v: reuse %d %+v, reuses %d", strict, code, r, s.Reuses())
		}
		wantAPI := http.StatusOK
		if strict {
			wantAPI = http.StatusUnauthorized
		}
		if s.RefreshUsable(r1.RefreshToken) == strict || api(t, s, r1.AccessToken) != wantAPI {
			t.Errorf("strict %v: successor usable %v, its access token %d", strict, s.RefreshUsable(r1.RefreshToken), api(t, s, r1.AccessToken))
		}
		if !s.RefreshUsable(other) || s.Refreshes() != 1 {
			t.Errorf("strict %v: other grant usable %v, refreshes %d", strict, s.RefreshUsable(other), s.Refreshes())
		}
	}
}

// TestLoopbackRedirectAnyPort: a registered loopback redirect URI
// matches whatever port the native app listens on (RFC 8252 7.3), and
// nothing else does.
func TestLoopbackRedirectAnyPort(t *testing.T) {
	s := snykoauth.NewTestServer(t, snykoauth.Config{})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for redirect, want := range map[string]int{
		"http://127.0.0.1:41234/callback":  http.StatusSeeOther,
		"http://127.0.0.1/callback":        http.StatusSeeOther,
		"http://127.0.0.1:41234/other":     http.StatusBadRequest,
		"https://127.0.0.1:41234/callback": http.StatusBadRequest,
		"http://10.0.0.1:41234/callback":   http.StatusBadRequest,
	} {
		q := url.Values{"response_type": {"code"}, "client_id": {s.ClientID}, "redirect_uri": {redirect},
			"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
		resp, err := noFollow.Get(s.AuthorizeURL() + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("redirect_uri %s: %d, want %d", redirect, resp.StatusCode, want)
		}
	}
}
