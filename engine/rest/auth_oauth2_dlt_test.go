package rest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// TestOAuth2DltSpelling: compiled from dlt's spelling (client_auth body,
// access_token_request_data overriding grant_type, a default expiration),
// the token request carries what dlt sends: client_id, client_secret and
// the extra data in the form, no Authorization header; a reply without
// expires_in lives default_token_expiration.
func TestOAuth2DltSpelling(t *testing.T) {
	var issued atomic.Int32
	var form url.Values
	var authz string
	tok := serve(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		form, authz = r.PostForm, r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"zoom-%d","token_type":"bearer"}`, issued.Add(1))
	})
	cfg := &AuthConfig{Type: AuthOAuth2ClientCredentials, TokenURL: tok.URL, ClientID: "app", ClientSecret: "s3cret-value", ClientAuth: "body",
		TokenData: map[string]string{"grant_type": "account_credentials", "account_id": "acct-1"}, DefaultTokenExpiration: time.Hour}
	a, err := newAuthenticator(cfg, nil, NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	req := get(t, "https://api.test/")
	if err := a.Authenticate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer zoom-1" {
		t.Errorf("Authorization = %q", got)
	}
	want := url.Values{"grant_type": {"account_credentials"}, "account_id": {"acct-1"}, "client_id": {"app"}, "client_secret": {"s3cret-value"}}
	if form.Encode() != want.Encode() || authz != "" {
		t.Errorf("token request form %v, Authorization %q; want %v and none", form, authz, want)
	}
	cache := a.(*OAuth2ClientCredentials).cache
	cache.now = func() time.Time { return time.Now().Add(time.Hour - 29*time.Second) }
	if err := a.Authenticate(context.Background(), get(t, "https://api.test/")); err != nil || issued.Load() != 2 {
		t.Errorf("token not renewed 30 s before default_token_expiration: %d tokens, %v", issued.Load(), err)
	}
}
