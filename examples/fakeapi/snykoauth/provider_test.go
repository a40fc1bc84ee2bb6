package snykoauth_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

type reply struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	Error        string `json:"error"`
}

func token(t *testing.T, base string, form url.Values) (int, reply) {
	t.Helper()
	resp, err := http.PostForm(base+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, r
}

// TestAlone serves the provider without the rest of the fake: a service
// account token, then a refresh token that rotates and dies when used.
func TestAlone(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := snykoauth.New(snykoauth.Config{Now: func() time.Time { return now }, TokenTTL: time.Minute})
	p.AddClient("app", "secret")
	p.AddRefreshToken("app", "rt-0")
	ts := httptest.NewServer(p.Handler())
	defer ts.Close()

	code, sa := token(t, ts.URL, url.Values{"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"secret"}})
	if code != http.StatusOK || !strings.HasPrefix(sa.AccessToken, "snyk_sat.") || sa.ExpiresIn != 60 || sa.RefreshToken != "" {
		t.Fatalf("client_credentials: %d %+v", code, sa)
	}
	if tok, ok := p.Lookup(sa.AccessToken); !ok || !tok.Service || tok.ClientID != "app" || tok.BotID == "" {
		t.Errorf("Lookup = %+v, %v", tok, ok)
	}

	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt-0"}, "client_id": {"app"}, "client_secret": {"secret"}}
	code, r1 := token(t, ts.URL, refresh)
	if code != http.StatusOK || r1.RefreshToken == "" || r1.RefreshToken == "rt-0" {
		t.Fatalf("refresh: %d %+v", code, r1)
	}
	if code, r := token(t, ts.URL, refresh); code != http.StatusBadRequest || r.Error != "invalid_grant" {
		t.Errorf("reused refresh token: %d %+v, want 400 invalid_grant", code, r)
	}
	if p.RefreshGrants() != 1 || p.RefreshRejected() != 1 || p.LiveRefreshTokens() != 1 {
		t.Errorf("grants %d, rejected %d, live %d; want 1, 1, 1", p.RefreshGrants(), p.RefreshRejected(), p.LiveRefreshTokens())
	}

	now = now.Add(time.Minute)
	if _, ok := p.Lookup(r1.AccessToken); ok {
		t.Error("access token alive after its lifetime")
	}
}
