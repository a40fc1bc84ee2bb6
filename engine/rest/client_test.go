package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// script serves the given responses in order, then 200 {"ok":true}.
type reply struct {
	status int
	header map[string]string
	body   string
}

func scripted(t *testing.T, replies ...reply) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		rep := reply{status: 200, body: `{"ok":true}`}
		if i < len(replies) {
			rep = replies[i]
		}
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
	})
	return srv, &n
}

func TestRetryMatrix(t *testing.T) {
	s := time.Second
	tests := []struct {
		name    string
		replies []reply
		opts    Options
		waits   []time.Duration
		calls   int32
		err     bool
	}{
		{name: "429 retry-after seconds", replies: []reply{{status: 429, header: map[string]string{"Retry-After": "7"}}}, waits: []time.Duration{7 * s}, calls: 2},
		{name: "429 retry-after date", replies: []reply{{status: 429, header: map[string]string{"Retry-After": testNow.Add(30 * s).Format(http.TimeFormat)}}}, waits: []time.Duration{30 * s}, calls: 2},
		{name: "429 retry-after RFC 3339 (Zoom)", replies: []reply{{status: 429, header: map[string]string{"Retry-After": testNow.Add(45 * s).Format(time.RFC3339)}}}, waits: []time.Duration{45 * s}, calls: 2},
		{name: "429 retry-after RFC 3339 next midnight", replies: []reply{{status: 429, header: map[string]string{"Retry-After": "2025-03-02T00:00:00Z"}}}, calls: 1, err: true},
		{name: "429 X-RateLimit-Reset-After (Discord)", replies: []reply{{status: 429, header: map[string]string{"X-RateLimit-Reset-After": "4.5", "X-RateLimit-Reset": "1740830404.5"}}}, waits: []time.Duration{4500 * time.Millisecond}, calls: 2},
		{name: "429 retry-after past date", replies: []reply{{status: 429, header: map[string]string{"Retry-After": testNow.Add(-time.Hour).Format(http.TimeFormat)}}}, waits: []time.Duration{s}, calls: 2},
		{name: "429 x-ratelimit-reset seconds", replies: []reply{{status: 429, header: map[string]string{"X-RateLimit-Reset": "12"}}}, waits: []time.Duration{12 * s}, calls: 2},
		{name: "429 x-ratelimit-reset ISO 8601 (Atlassian)", replies: []reply{{status: 429, header: map[string]string{"X-RateLimit-Reset": testNow.Add(30 * s).UTC().Format(time.RFC3339)}}}, waits: []time.Duration{30 * s}, calls: 2},
		{name: "429 x-ratelimit-reset epoch", replies: []reply{{status: 429, header: map[string]string{"X-RateLimit-Reset": fmt.Sprint(testNow.Add(20 * s).Unix())}}}, waits: []time.Duration{20 * s}, calls: 2},
		{name: "429 x-rate-limit-reset epoch (Okta)", replies: []reply{{status: 429, header: map[string]string{"X-Rate-Limit-Reset": fmt.Sprint(testNow.Add(20 * s).Unix())}}}, waits: []time.Duration{20 * s}, calls: 2},
		{name: "429 retry-after beyond a duration", replies: []reply{{status: 429, header: map[string]string{"Retry-After": "99999999999"}}}, calls: 1, err: true},
		{name: "503 retry-after infinite", replies: []reply{{status: 503, header: map[string]string{"Retry-After": "+Inf"}}}, calls: 1, err: true},
		{name: "503 retry-after NaN ignored", replies: []reply{{status: 503, header: map[string]string{"Retry-After": "NaN"}}}, waits: []time.Duration{s}, calls: 2},
		{name: "503 retry-after negative ignored", replies: []reply{{status: 503, header: map[string]string{"Retry-After": "-30"}}}, waits: []time.Duration{s}, calls: 2},
		{name: "503 retry-after year 9999", replies: []reply{{status: 503, header: map[string]string{"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}}}, calls: 1, err: true},
		{name: "429 x-ratelimit-reset beyond a duration", replies: []reply{{status: 429, header: map[string]string{"X-RateLimit-Reset": "1e300"}}}, calls: 1, err: true},
		{name: "429 ratelimit-reset", replies: []reply{{status: 429, header: map[string]string{"RateLimit-Reset": "3"}}}, waits: []time.Duration{3 * s}, calls: 2},
		{name: "429 longest hint wins", replies: []reply{{status: 429, header: map[string]string{"Retry-After": "2", "X-RateLimit-Reset": "9"}}}, waits: []time.Duration{9 * s}, calls: 2},
		{name: "429 retry-after beyond max backoff", opts: Options{MaxBackoff: 10 * s}, replies: []reply{{status: 429, header: map[string]string{"Retry-After": "240"}}}, waits: []time.Duration{240 * s}, calls: 2},
		{name: "500 ignores rate limit reset", replies: []reply{{status: 500, header: map[string]string{"X-RateLimit-Reset": "3000"}}}, waits: []time.Duration{s}, calls: 2},
		{name: "503 then 200", replies: []reply{{status: 503}}, waits: []time.Duration{s}, calls: 2},
		{name: "502 504 then 200", replies: []reply{{status: 502}, {status: 504}}, waits: []time.Duration{s, 2 * s}, calls: 3},
		{name: "500 every time", replies: []reply{{status: 500}, {status: 500}, {status: 500}, {status: 500}, {status: 500}}, waits: []time.Duration{s, 2 * s, 4 * s, 8 * s}, calls: 5, err: true},
		{name: "backoff capped", opts: Options{MaxAttempts: 6, InitialBackoff: 2 * s, MaxBackoff: 5 * s}, replies: []reply{{status: 500}, {status: 500}, {status: 500}, {status: 500}, {status: 500}}, waits: []time.Duration{2 * s, 4 * s, 5 * s, 5 * s, 5 * s}, calls: 6},
		{name: "404 not retried", replies: []reply{{status: 404, body: `{"errors":[{"status":"404"}]}`}}, calls: 1, err: true},
		{name: "403 not retried", replies: []reply{{status: 403}}, calls: 1, err: true},
		{name: "403 not retried with requests remaining", replies: []reply{{status: 403, header: map[string]string{"X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": fmt.Sprint(testNow.Add(20 * s).Unix())}}}, calls: 1, err: true},
		{name: "403 primary rate limit (GitHub)", replies: []reply{{status: 403, header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": fmt.Sprint(testNow.Add(20 * s).Unix())}}}, waits: []time.Duration{20 * s}, calls: 2},
		{name: "403 secondary rate limit (GitHub)", replies: []reply{{status: 403, header: map[string]string{"Retry-After": "60"}}}, waits: []time.Duration{60 * s}, calls: 2},
		{name: "403 rate limit reset past the limit", replies: []reply{{status: 403, header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": fmt.Sprint(testNow.Add(time.Hour).Unix())}}}, calls: 1, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := scripted(t, tt.replies...)
			c, sl := newTestClient(t, tt.opts)
			_, err := c.Do(context.Background(), get(t, srv.URL+"/x"), Call{})
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if got := n.Load(); got != tt.calls {
				t.Errorf("requests = %d, want %d", got, tt.calls)
			}
			if got := sl.waits(); fmt.Sprint(got) != fmt.Sprint(tt.waits) {
				t.Errorf("waits = %v, want %v", got, tt.waits)
			}
		})
	}
}

func TestFullJitterStaysUnderCeiling(t *testing.T) {
	c := NewClient(Options{InitialBackoff: time.Second, MaxBackoff: 4 * time.Second})
	for attempt := 1; attempt <= 6; attempt++ {
		ceil := min(time.Second<<(attempt-1), 4*time.Second)
		for range 100 {
			if d := c.backoff(attempt); d < 0 || d > ceil {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", attempt, d, ceil)
			}
		}
	}
}

// TestErrorTexts pins the text of the errors users read.
func TestErrorTexts(t *testing.T) {
	got := map[string]string{}
	srv, _ := scripted(t,
		reply{status: 500, body: "internal\n  error\n"}, reply{status: 500, body: "internal\n  error\n"},
		reply{status: 500, body: "internal\n  error\n"}, reply{status: 500, body: "internal\n  error\n"},
		reply{status: 500, body: "internal\n  error\n"})
	c, _ := newTestClient(t, Options{})
	_, err := c.Do(context.Background(), get(t, srv.URL+"/rest/orgs/1/issues?version=2024-10-15&api_key=k1"), Call{Resource: "issues"})
	got["500 after 5 attempts"] = err.Error()
	var herr *HTTPError
	if !errors.As(err, &herr) || herr.Attempts != 5 || herr.StatusCode != 500 {
		t.Errorf("HTTPError = %+v", herr)
	}

	srv2, _ := scripted(t, reply{status: 429, header: map[string]string{"Retry-After": "3600"}, body: `{"errors":[{"detail":"slow down"}]}`})
	_, err = c.Do(context.Background(), get(t, srv2.URL+"/orgs"), Call{})
	got["429 asks too long"] = err.Error()

	srv3, _ := scripted(t, reply{status: 404, body: strings.Repeat("x", 600)})
	_, err = c.Do(context.Background(), get(t, srv3.URL+"/orgs"), Call{Resource: "orgs"})
	got["404 long body"] = err.Error()
	if !errors.As(err, &herr) || herr.Attempts != 1 {
		t.Errorf("404 retried: %+v", herr)
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, err = c.Do(context.Background(), get(t, dead.URL+"/x?token=abc"), Call{Resource: "x"})
	got["connection refused"] = strings.ReplaceAll(err.Error(), strings.TrimPrefix(dead.URL, "http://"), "dead.test")
	var terr *transportError
	if !errors.As(err, &terr) || terr.attempts != 5 {
		t.Errorf("transport error not retried: %v", err)
	}
	golden(t, "errors.golden", got, srv, srv2, srv3)
}

func TestConnectionErrorsRetried(t *testing.T) {
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close() // no response at all
			}
			return
		}
		io.WriteString(w, `{}`)
	})
	c, sl := newTestClient(t, Options{})
	if _, err := c.Do(context.Background(), get(t, srv.URL), Call{}); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 3 || len(sl.waits()) != 2 {
		t.Errorf("requests %d, waits %v; want 3 and 2", n.Load(), sl.waits())
	}
}

func TestAttemptTimeoutRetried(t *testing.T) {
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			<-r.Context().Done() // hang until the client gives up
			return
		}
		io.WriteString(w, `{}`)
	})
	c, _ := newTestClient(t, Options{Timeout: 50 * time.Millisecond})
	if _, err := c.Do(context.Background(), get(t, srv.URL), Call{}); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Errorf("requests = %d, want 2", n.Load())
	}

	// Every attempt times out: the error says so.
	c, _ = newTestClient(t, Options{Timeout: 20 * time.Millisecond, MaxAttempts: 2})
	hang := serve(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	_, err := c.Do(context.Background(), get(t, hang.URL), Call{})
	if err == nil || !strings.Contains(err.Error(), "attempt timed out after 20ms (client.retry.timeout) (after 2 attempts) of client.retry.max_attempts") {
		t.Errorf("err = %v", err)
	}
}

func TestCancelStopsBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		cancel() // the caller gives up while the server fails
		w.WriteHeader(503)
	})
	// The real sleep with an hour of backoff: only cancellation ends it.
	c := NewClient(Options{InitialBackoff: time.Hour, MaxBackoff: time.Hour})
	_, err := c.Do(ctx, get(t, srv.URL), Call{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// refresher is an Authenticator whose token changes on Refresh.
type refresher struct {
	token     atomic.Int32
	refreshes atomic.Int32
}

func (f *refresher) Authenticate(_ context.Context, r *Request) error {
	r.Header.Set("Authorization", fmt.Sprintf("Bearer tok-%06d", f.token.Load()))
	return nil
}

func (f *refresher) Refresh(_ context.Context, stale *Request) error {
	if stale == nil || stale.Header.Get("Authorization") == "" {
		return errors.New("no stale request")
	}
	f.refreshes.Add(1)
	f.token.Add(1)
	return nil
}

type staticAuth struct{}

func (staticAuth) Authenticate(_ context.Context, r *Request) error {
	r.Header.Set("X-Api-Key", "static-key-123")
	return nil
}

func TestUnauthorized(t *testing.T) {
	tests := []struct {
		name      string
		auth      Authenticator
		accept    string // the Authorization value the API accepts
		wantErr   bool
		requests  int32
		refreshes int32
	}{
		{name: "refresh cures 401", auth: &refresher{}, accept: "Bearer tok-000001", requests: 2, refreshes: 1},
		{name: "401 twice", auth: &refresher{}, accept: "never", wantErr: true, requests: 2, refreshes: 1},
		{name: "no refresher", auth: staticAuth{}, accept: "never", wantErr: true, requests: 1},
		{name: "no auth", accept: "never", wantErr: true, requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				if r.Header.Get("Authorization") != tt.accept {
					w.WriteHeader(401)
					io.WriteString(w, `{"error":"invalid token"}`)
					return
				}
				io.WriteString(w, `{}`)
			})
			c, sl := newTestClient(t, Options{})
			_, err := c.Do(context.Background(), get(t, srv.URL), Call{Auth: tt.auth, Resource: "r"})
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, ErrUnauthorized)) {
				t.Fatalf("err = %v", err)
			}
			if n.Load() != tt.requests {
				t.Errorf("requests = %d, want %d", n.Load(), tt.requests)
			}
			if f, ok := tt.auth.(*refresher); ok && f.refreshes.Load() != tt.refreshes {
				t.Errorf("refreshes = %d, want %d", f.refreshes.Load(), tt.refreshes)
			}
			if len(sl.waits()) != 0 {
				t.Errorf("a 401 waited %v", sl.waits())
			}
		})
	}
}

func TestResponseActions(t *testing.T) {
	type act = ResponseAction
	tests := []struct {
		name     string
		actions  []act
		replies  []reply
		wantErr  error // errors.Is target, or nil
		httpErr  int   // HTTPError status expected, 0 for none
		requests int32
	}{
		{name: "condition retry on 200", actions: []act{{Condition: "ok==false", Action: "retry"}},
			replies: []reply{{status: 200, body: `{"ok":false}`}, {status: 200, body: `{"ok":false}`}}, requests: 3},
		{name: "plain path condition", actions: []act{{Condition: "error", Action: "fail"}},
			replies: []reply{{status: 200, body: `{"error":"quota"}`}}, httpErr: 200, requests: 1},
		{name: "falsy path does not match", actions: []act{{Condition: "error", Action: "fail"}},
			replies: []reply{{status: 200, body: `{"error":null}`}}, requests: 1},
		{name: "ignore 404", actions: []act{{StatusCode: 404, Action: "ignore"}},
			replies: []reply{{status: 404}}, wantErr: ErrIgnored, requests: 1},
		{name: "fail on content of 200", actions: []act{{Content: "maintenance", Action: "fail"}},
			replies: []reply{{status: 200, body: `{"msg":"down for maintenance"}`}}, httpErr: 200, requests: 1},
		{name: "all conditions must match", actions: []act{{StatusCode: 400, Content: "expired", Action: "ignore"}},
			replies: []reply{{status: 400, body: `{"msg":"bad filter"}`}}, httpErr: 400, requests: 1},
		{name: "first match wins", actions: []act{{StatusCode: 404, Action: "ignore"}, {Content: "gone", Action: "fail"}},
			replies: []reply{{status: 404, body: "gone"}}, wantErr: ErrIgnored, requests: 1},
		{name: "retry a 400 until it passes", actions: []act{{StatusCode: 400, Content: "busy", Action: "retry"}},
			replies: []reply{{status: 400, body: "busy"}}, requests: 2},
		{name: "retry counts attempts", actions: []act{{StatusCode: 200, Condition: "ok==false", Action: "retry"}},
			replies: []reply{{200, nil, `{"ok":false}`}, {200, nil, `{"ok":false}`}, {200, nil, `{"ok":false}`}, {200, nil, `{"ok":false}`}, {200, nil, `{"ok":false}`}}, httpErr: 200, requests: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := scripted(t, tt.replies...)
			c, _ := newTestClient(t, Options{})
			resp, err := c.Do(context.Background(), get(t, srv.URL), Call{Actions: tt.actions})
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			case tt.httpErr != 0:
				var herr *HTTPError
				if !errors.As(err, &herr) || herr.StatusCode != tt.httpErr {
					t.Fatalf("err = %v, want HTTPError %d", err, tt.httpErr)
				}
			case err != nil:
				t.Fatal(err)
			case resp.StatusCode != 200:
				t.Fatalf("status %d", resp.StatusCode)
			}
			if n.Load() != tt.requests {
				t.Errorf("requests = %d, want %d", n.Load(), tt.requests)
			}
		})
	}
	c, _ := newTestClient(t, Options{})
	srv, _ := scripted(t)
	if _, err := c.Do(context.Background(), get(t, srv.URL), Call{Actions: []act{{StatusCode: 200, Action: "explode"}}}); err == nil || !strings.Contains(err.Error(), `unknown action "explode"`) {
		t.Errorf("unknown action: err = %v", err)
	}
}

func TestCondition(t *testing.T) {
	tests := []struct {
		body, cond string
		want       bool
	}{
		{`{"ok":false}`, "ok==false", true},
		{`{"ok":true}`, "ok==false", false},
		{`{"meta":{"count":3}}`, "meta.count>2", true},
		{`{"status":"error: x"}`, `status%"error*"`, true},
		{`{"items":[]}`, "items", false},
		{`{"items":[1]}`, "items", true},
		{`{"n":0}`, "n", false},
		{`not json`, "ok", false},
	}
	for _, tt := range tests {
		if got := Condition([]byte(tt.body), tt.cond); got != tt.want {
			t.Errorf("Condition(%s, %s) = %v, want %v", tt.body, tt.cond, got, tt.want)
		}
	}
}

func TestCancelDuringRequest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	})
	c, sl := newTestClient(t, Options{})
	_, err := c.Do(ctx, get(t, srv.URL+"/x"), Call{Resource: "r"})
	want := `resource "r": GET ` + srv.URL + `/x: context canceled`
	if !errors.Is(err, context.Canceled) || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	if len(sl.waits()) != 0 {
		t.Errorf("waited %v after cancellation", sl.waits())
	}
}
