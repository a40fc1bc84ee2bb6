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
	"time"

	"github.com/pipe-etl/pipe/credentials"
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

func TestTokenBroker(t *testing.T) {
	ctx := context.Background()
	fb := &fakeBroker{}
	srv := httptest.NewServer(fb)
	defer srv.Close()
	clk := newClock()
	red := &redactor{}
	b, err := credentials.NewTokenBroker(credentials.TokenBrokerConfig{
		BrokerURL: srv.URL + "/", APIKey: "key-1", OrgID: "org-1", ClientID: "cid", ClientSecret: "csecret-xyz",
		Now: clk.Now, Redactor: red,
	})
	if err != nil {
		t.Fatal(err)
	}
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
	if fb.gets != 1 {
		t.Fatalf("broker asked %d times, want 1 (token kept in memory)", fb.gets)
	}
	// 401 from the API, several requests at once: one cache drop, one fetch.
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.Refresh(ctx, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if fb.deletes != 1 || fb.gets != 2 {
		t.Fatalf("after concurrent 401s: %d cache deletes, %d gets; want 1 and 2", fb.deletes, fb.gets)
	}
	req = newRequest(t, "https://api.snyk.io/")
	b.Authenticate(ctx, req)
	if req.Header.Get("Authorization") != "bearer at-2" {
		t.Fatalf("after Refresh: %q", req.Header.Get("Authorization"))
	}
	clk.Advance(time.Minute)
	if err := b.Refresh(ctx, nil); err != nil || fb.deletes != 2 {
		t.Fatalf("a later 401 refreshes again: %v, %d deletes", err, fb.deletes)
	}
	for _, s := range []string{"key-1", "csecret-xyz", "at-1", "at-2"} {
		if !red.Has(s) {
			t.Errorf("redactor not told about %q", s)
		}
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
