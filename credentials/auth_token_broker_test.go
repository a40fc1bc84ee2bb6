package credentials_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/engine/rest"
)

// fakeBroker answers like snykey: a cached token until DELETE /v1/cache.
type fakeBroker struct {
	mu       sync.Mutex
	n        int
	cached   string
	gets     int
	deletes  int
	lastAuth string
}

func (f *fakeBroker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("X-API-Key") != "key-1" {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error":"Unauthorized: Invalid or missing API key"}`)
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method == "GET" && r.URL.Path == "/v1/credentials":
		f.gets++
		if q.Get("org_id") != "org-1" || q.Get("client_id") != "cid" || q.Get("client_secret") != "csecret-xyz" {
			w.WriteHeader(404)
			fmt.Fprint(w, `{"error":"No refresh key found for org/client"}`)
			return
		}
		if f.cached == "" {
			f.n++
			f.cached = fmt.Sprintf("at-%d", f.n)
		}
		json.NewEncoder(w).Encode(map[string]string{"access_token": f.cached})
	case r.Method == "DELETE" && r.URL.Path == "/v1/cache":
		f.deletes++
		f.cached = ""
		fmt.Fprint(w, `{"message":"Auth token deleted."}`)
	default:
		w.WriteHeader(404)
	}
}

// bearer returns a request that carried "Authorization: bearer tok", as
// the API client hands it to Refresh after a 401.
func bearer(t *testing.T, tok string) *rest.Request {
	req := newRequest(t, "https://api.snyk.io/rest/orgs")
	req.Header = http.Header{"Authorization": {"bearer " + tok}}
	return req
}

func (f *fakeBroker) counts() (gets, deletes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets, f.deletes
}

func newTokenBroker(t *testing.T, url string, red credentials.Redactor) *credentials.TokenBroker {
	t.Helper()
	b, err := credentials.NewTokenBroker(credentials.TokenBrokerConfig{
		BrokerURL: url + "/", APIKey: "key-1", OrgID: "org-1", ClientID: "cid", ClientSecret: "csecret-xyz", Redactor: red,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTokenBroker(t *testing.T) {
	ctx := context.Background()
	fb := &fakeBroker{}
	srv := httptest.NewServer(fb)
	defer srv.Close()
	red := &redactor{}
	b := newTokenBroker(t, srv.URL, red)
	req := newRequest(t, "https://api.snyk.io/rest/orgs")
	if err := b.Authenticate(ctx, req); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != "bearer at-1" {
		t.Fatalf("Authorization = %q", got)
	}
	for range 3 {
		b.Authenticate(ctx, newRequest(t, "https://api.snyk.io/"))
	}
	if gets, _ := fb.counts(); gets != 1 {
		t.Fatalf("broker asked %d times, want 1 (token kept in memory)", gets)
	}
	// 401 for at-1 from the API, several requests at once: one cache drop,
	// one fetch.
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if err := b.Refresh(ctx, bearer(t, "at-1")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if gets, deletes := fb.counts(); deletes != 1 || gets != 2 {
		t.Fatalf("after concurrent 401s: %d cache deletes, %d gets; want 1 and 2", deletes, gets)
	}
	req = newRequest(t, "https://api.snyk.io/")
	b.Authenticate(ctx, req)
	if req.Header.Get("Authorization") != "bearer at-2" {
		t.Fatalf("after Refresh: %q", req.Header.Get("Authorization"))
	}
	// A late 401 for at-1 (a request sent before the renewal) reuses at-2.
	if err := b.Refresh(ctx, bearer(t, "at-1")); err != nil {
		t.Fatal(err)
	}
	if gets, deletes := fb.counts(); deletes != 1 || gets != 2 {
		t.Fatalf("a late 401 for the replaced token: %d cache deletes, %d gets; want 1 and 2", deletes, gets)
	}
	// A 401 for the current token renews again.
	if err := b.Refresh(ctx, bearer(t, "at-2")); err != nil {
		t.Fatal(err)
	}
	if gets, deletes := fb.counts(); deletes != 2 || gets != 3 {
		t.Fatalf("a 401 for the current token: %d cache deletes, %d gets; want 2 and 3", deletes, gets)
	}
	// A request this authenticator did not sign renews nothing.
	if err := b.Refresh(ctx, newRequest(t, "https://api.snyk.io/")); err != nil {
		t.Fatal(err)
	}
	if gets, deletes := fb.counts(); deletes != 2 || gets != 3 {
		t.Fatalf("a 401 without a bearer token: %d cache deletes, %d gets; want 2 and 3", deletes, gets)
	}
	for _, s := range []string{"key-1", "csecret-xyz", "at-1", "at-2", "at-3"} {
		if !red.Has(s) {
			t.Errorf("redactor not told about %q", s)
		}
	}
}

// TestTokenBrokerCancelWhileWaiting: a caller waiting for another's fetch
// gives up when its context ends, and the fetch under way is unharmed.
func TestTokenBrokerCancelWhileWaiting(t *testing.T) {
	fb := &fakeBroker{}
	held, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			close(held)
			<-release
		}
		fb.ServeHTTP(w, r)
	}))
	defer srv.Close()
	b := newTokenBroker(t, srv.URL, nil)
	first := make(chan error, 1)
	req := newRequest(t, "https://api.snyk.io/")
	go func() { first <- b.Authenticate(context.Background(), req) }()
	<-held // the first caller holds the fetch and waits for the broker
	ctx, cancel := context.WithCancel(context.Background())
	waiting := make(chan error, 1)
	go func() { waiting <- b.Authenticate(ctx, newRequest(t, "https://api.snyk.io/")) }()
	cancel()
	err := <-waiting
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "token broker: ") {
		t.Fatalf("cancelled waiter: %v, want token broker: context canceled", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != "bearer at-1" {
		t.Fatalf("Authorization = %q", got)
	}
	if gets, _ := fb.counts(); gets != 1 {
		t.Fatalf("broker asked %d times, want 1", gets)
	}
}

func TestTokenBrokerErrors(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(&fakeBroker{})
	defer srv.Close()
	tests := []struct {
		name   string
		cfg    credentials.TokenBrokerConfig
		status int
		msg    string
	}{
		{"bad key", credentials.TokenBrokerConfig{APIKey: "nope", OrgID: "org-1", ClientID: "cid", ClientSecret: "csecret-xyz"},
			401, "Unauthorized: Invalid or missing API key"},
		{"unknown client", credentials.TokenBrokerConfig{APIKey: "key-1", OrgID: "org-1", ClientID: "cid", ClientSecret: "other-secret"},
			404, "No refresh key found for org/client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.BrokerURL = srv.URL
			b, err := credentials.NewTokenBroker(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = b.Authenticate(ctx, newRequest(t, "https://x/"))
			var be *credentials.BrokerError
			if !errors.As(err, &be) || be.StatusCode != tt.status || be.Message != tt.msg {
				t.Fatalf("error = %v", err)
			}
			if want := "GET " + srv.URL + "/v1/credentials: "; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
			if strings.Contains(err.Error(), tt.cfg.ClientSecret) || strings.Contains(err.Error(), "client_secret") {
				t.Errorf("error leaks the client secret: %v", err)
			}
		})
	}
	b, _ := credentials.NewTokenBroker(credentials.TokenBrokerConfig{BrokerURL: "http://127.0.0.1:1", OrgID: "o", ClientID: "c", ClientSecret: "sekrit-value"})
	err := b.Authenticate(ctx, newRequest(t, "https://x/"))
	if err == nil || strings.Contains(err.Error(), "sekrit-value") {
		t.Fatalf("transport error = %v", err)
	}
}

// TestTokenBrokerThroughClient: eight requests in flight get a 401 for
// the same revoked token; the API client refreshes for each, and the
// broker is asked once to drop its cache and once for a new token.
func TestTokenBrokerThroughClient(t *testing.T) {
	const n = 8
	fb := &fakeBroker{}
	broker := httptest.NewServer(fb)
	defer broker.Close()
	var mu sync.Mutex
	rejected := 0
	allIn := make(chan struct{})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.api+json")
		if r.Header.Get("Authorization") == "bearer at-1" { // revoked, as Snyk answers
			mu.Lock()
			rejected++
			if rejected == n {
				close(allIn)
			}
			mu.Unlock()
			<-allIn // hold the 401s until every request carried the token
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"jsonapi":{"version":"1.0"},"errors":[{"status":"401","detail":"Unauthorized"}]}`)
			return
		}
		fmt.Fprint(w, `{"data":[]}`)
	}))
	defer api.Close()
	b := newTokenBroker(t, broker.URL, nil)
	c := rest.NewClient(rest.Options{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := c.Do(context.Background(), newRequest(t, api.URL+"/rest/orgs"), rest.Call{Auth: b})
			if err != nil {
				t.Error(err)
				return
			}
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if gets, deletes := fb.counts(); deletes != 1 || gets != 2 {
		t.Fatalf("%d requests refused at once: %d cache deletes, %d gets; want 1 and 2", n, deletes, gets)
	}
}
