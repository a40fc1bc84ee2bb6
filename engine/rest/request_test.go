package rest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestRequestBodies(t *testing.T) {
	type seen struct{ method, ctype, body, ua string }
	var last seen
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		last = seen{r.Method, r.Header.Get("Content-Type"), string(b), r.Header.Get("User-Agent")}
		io.WriteString(w, `{}`)
	})
	u := mustURL(t, srv.URL+"/search")
	tests := []struct {
		name string
		req  *Request
		want seen
	}{
		{"get", &Request{URL: u}, seen{"GET", "", "", "pipe-test"}},
		{"json post", &Request{Method: "POST", URL: u, JSON: map[string]any{"q": "x", "n": 1}},
			seen{"POST", "application/json", `{"n":1,"q":"x"}`, "pipe-test"}},
		{"json:api keeps its content type", &Request{Method: "PATCH", URL: u, Header: http.Header{"Content-Type": {"application/vnd.api+json"}}, JSON: map[string]any{"data": map[string]any{}}},
			seen{"PATCH", "application/vnd.api+json", `{"data":{}}`, "pipe-test"}},
		{"form put", &Request{Method: "PUT", URL: u, Form: url.Values{"a": {"1"}, "b": {"x y"}}},
			seen{"PUT", "application/x-www-form-urlencoded", "a=1&b=x+y", "pipe-test"}},
		{"raw post has no default content type", &Request{Method: "POST", URL: u, Raw: "query { a }"},
			seen{"POST", "", "query { a }", "pipe-test"}},
		{"own user agent", &Request{URL: u, Header: http.Header{"User-Agent": {"mine"}}}, seen{"GET", "", "", "mine"}},
	}
	c, _ := newTestClient(t, Options{UserAgent: "pipe-test"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := tt.req.Clone()
			if _, err := c.Do(context.Background(), tt.req, Call{}); err != nil {
				t.Fatal(err)
			}
			if last != tt.want {
				t.Errorf("server saw %+v, want %+v", last, tt.want)
			}
			if tt.req.Header.Get("User-Agent") != orig.Header.Get("User-Agent") {
				t.Error("Do changed the caller's request")
			}
		})
	}
	_, err := c.Do(context.Background(), &Request{URL: u, JSON: map[string]any{}, Form: url.Values{}}, Call{})
	if err == nil || !strings.Contains(err.Error(), "more than one of a JSON, form and raw body") {
		t.Errorf("err = %v", err)
	}
	_, err = c.Do(context.Background(), &Request{URL: u, Raw: "x", Form: url.Values{}}, Call{})
	if err == nil || !strings.Contains(err.Error(), "more than one of a JSON, form and raw body") {
		t.Errorf("raw and form: err = %v", err)
	}
}

func TestRequestClone(t *testing.T) {
	r := &Request{
		Method: "POST", URL: mustURL(t, "https://u:p@h/x?a=1"), Header: http.Header{"A": {"1"}},
		JSON: map[string]any{"page": map[string]any{"after": "c"}, "ids": []any{1.0}}, Form: url.Values{"f": {"1"}},
		Parent: []string{"post_id"},
	}
	c := r.Clone()
	if !slices.Equal(c.Parent, r.Parent) {
		t.Errorf("clone's parent params %v, want %v", c.Parent, r.Parent)
	}
	c.Parent[0] = "x"
	c.URL.RawQuery = "a=2"
	c.Header.Set("A", "2")
	c.JSON.(map[string]any)["page"].(map[string]any)["after"] = "d"
	c.JSON.(map[string]any)["ids"].([]any)[0] = 2.0
	c.Form.Set("f", "2")
	b, _ := json.Marshal(r.JSON)
	if r.URL.RawQuery != "a=1" || r.Header.Get("A") != "1" || string(b) != `{"ids":[1],"page":{"after":"c"}}` || r.Form.Get("f") != "1" || r.Parent[0] != "post_id" {
		t.Errorf("clone shares state with the original: %+v %s", r, b)
	}
	if (*Request)(nil).Clone() != nil {
		t.Error("nil clone")
	}
}

// TestRateLimits checks that every attempt, retries included, takes a
// token from the client limiter and from the call limiter. The limiters
// refill once an hour, so tokens are counted, not timed.
func TestRateLimits(t *testing.T) {
	srv, n := scripted(t, reply{status: 503}, reply{status: 503})
	client := rate.NewLimiter(rate.Every(time.Hour), 20)
	endpoint := rate.NewLimiter(rate.Every(time.Hour), 20)
	c, _ := newTestClient(t, Options{Limiter: client})
	for range 18 { // 2 retries + 18 successes = 20 attempts
		if _, err := c.Do(context.Background(), get(t, srv.URL), Call{Limiter: endpoint}); err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() != 20 {
		t.Fatalf("requests = %d", n.Load())
	}
	for name, l := range map[string]*rate.Limiter{"client": client, "endpoint": endpoint} {
		if tok := l.Tokens(); tok >= 0.5 {
			t.Errorf("%s limiter has %.2f tokens left after 20 attempts, want 0", name, tok)
		}
	}
	// The budget is spent: the next request must wait an hour, which its
	// deadline does not allow.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.Do(ctx, get(t, srv.URL), Call{Resource: "r"})
	if err == nil || !strings.Contains(err.Error(), `resource "r": GET `+srv.URL+`: rate limit: `) {
		t.Errorf("err = %v", err)
	}
	if n.Load() != 20 {
		t.Errorf("a request went out without a token")
	}
}

// TestRateLimitPaces: every request takes a token before it is sent. The
// limiter refills once an hour, so nothing depends on the machine's speed:
// its burst of 3 lets 3 requests through and the 4th waits, which a
// context deadline turns into an error before anything reaches the server.
func TestRateLimitPaces(t *testing.T) {
	lim := rate.NewLimiter(rate.Every(time.Hour), 3)
	var got atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		io.WriteString(w, `{}`)
	})
	c, _ := newTestClient(t, Options{Limiter: lim})
	for range 3 {
		if _, err := c.Do(context.Background(), get(t, srv.URL), Call{}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.Do(ctx, get(t, srv.URL), Call{}); err == nil {
		t.Fatal("4th request went through an empty budget")
	}
	if n := got.Load(); n != 3 {
		t.Errorf("server saw %d requests, want 3", n)
	}
}

func TestRedactionInErrors(t *testing.T) {
	const key = "sk-live-0123456789"
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		// A careless API echoes the credentials it got.
		io.WriteString(w, `{"msg":"bad key `+r.URL.Query().Get("k")+r.Header.Get("X-Key")+`"}`)
	})
	tests := []struct {
		name string
		auth *AuthConfig
	}{
		{"query", &AuthConfig{Type: "api_key", Name: "k", Location: "query", APIKey: "{secrets.key}"}},
		{"header", &AuthConfig{Type: "api_key", Name: "X-Key", APIKey: "{secrets.key}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expand := func(s string) (string, error) { return strings.ReplaceAll(s, "{secrets.key}", key), nil }
			red := NewRedactor()
			auth, err := newAuthenticator(tt.auth, expand, red)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := newTestClient(t, Options{Redactor: red, MaxAttempts: 2})
			_, err = c.Do(context.Background(), get(t, srv.URL+"/x"), Call{Resource: "r", Auth: auth})
			if err == nil || strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "0123456789") {
				t.Fatalf("error leaks the key: %v", err)
			}
			if !strings.Contains(err.Error(), "bad key ***") {
				t.Errorf("err = %v, want the echoed key redacted", err)
			}
		})
	}
}

// foreignAuth stands for an authenticator built in another package that
// does not know the redactor.
type foreignAuth struct{}

func (foreignAuth) Authenticate(_ context.Context, r *Request) error {
	r.Header.Set("Authorization", "Bearer foreign-token-abc")
	setQuery(r, "sig", "foreign-sig-xyz")
	return nil
}

func TestClientRegistersAppliedCredentials(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		io.WriteString(w, r.Header.Get("Authorization")+" "+r.URL.RawQuery)
	})
	c, _ := newTestClient(t, Options{})
	_, err := c.Do(context.Background(), get(t, srv.URL), Call{Auth: foreignAuth{}})
	var herr *HTTPError
	if !errors.As(err, &herr) {
		t.Fatal(err)
	}
	if strings.Contains(err.Error(), "foreign-token-abc") || strings.Contains(err.Error(), "foreign-sig-xyz") {
		t.Errorf("err leaks: %v", err)
	}
	if got := c.Redactor().String("foreign-token-abc"); got != Redacted {
		t.Errorf("token not registered: %q", got)
	}
}
