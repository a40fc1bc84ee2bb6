package fakecore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// testAPI writes errors as "<api> <status> <msg>" so a test sees whose
// error writer answered.
func testAPI(name string, budgets ...Budget) *API {
	return &API{Name: name, Budgets: budgets, WriteError: func(w http.ResponseWriter, status int, msg string) {
		w.WriteHeader(status)
		fmt.Fprintf(w, "%s %d %s", name, status, msg)
	}}
}

func ok(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }

// serve starts rt and returns a GET function: status and body.
func serve(t *testing.T, rt *Router) func(path, auth string) (int, string, http.Header) {
	ts := httptest.NewServer(rt)
	t.Cleanup(ts.Close)
	return func(path, auth string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
}

func TestRouterCounts(t *testing.T) {
	rt := NewRouter(RouterConfig{})
	rt.Handle("GET /a", testAPI("x"), ok)
	rt.Handle("POST /token", nil, ok)
	get := serve(t, rt)
	get("/a", "")
	get("/a", "")
	get("/nothing", "") // no route: not counted
	if rt.Requests() != 2 || rt.Count("GET /a") != 2 || rt.Count("POST /token") != 0 {
		t.Errorf("Requests %d, Counts %v", rt.Requests(), rt.Counts())
	}
	if got := rt.Routes(); !slices.Equal(got, []string{"GET /a", "POST /token"}) {
		t.Errorf("Routes() = %v", got)
	}
}

// TestRouterFaults: every Nth API request fails, 500 and 503 in turn,
// in the shape of the route's API; token endpoints neither fail nor
// count towards N.
func TestRouterFaults(t *testing.T) {
	rt := NewRouter(RouterConfig{FailEvery: 2})
	rt.Handle("GET /a", testAPI("a"), ok)
	rt.Handle("GET /b", testAPI("b"), ok)
	rt.Handle("GET /token", nil, ok)
	get := serve(t, rt)
	var got []string
	for _, p := range []string{"/a", "/token", "/b", "/token", "/a", "/b"} {
		status, body, _ := get(p, "")
		got = append(got, fmt.Sprint(status, " ", body))
	}
	want := []string{"200 ok", "200 ok", "500 b 500 injected fault: try again", "200 ok", "200 ok", "503 b 503 injected fault: try again"}
	if !slices.Equal(got, want) {
		t.Errorf("answers\n%q\nwant\n%q", got, want)
	}
}

// TestRouterRateLimits: one budget per API and credential, extra budgets
// spent after the API's own, 429 through the API's error writer with the
// seconds left in the window; token endpoints spared.
func TestRouterRateLimits(t *testing.T) {
	clk := NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	rt := NewRouter(RouterConfig{RateLimit: 4, Now: clk.Now})
	a := testAPI("a")
	small := testAPI("a", Budget{Key: "small", PerMinute: func(limit int) int { return limit / 4 }})
	rt.Handle("GET /a", a, ok)
	rt.Handle("GET /small", small, ok)
	rt.Handle("GET /b", testAPI("b"), ok)
	rt.Handle("GET /token", nil, ok)
	get := serve(t, rt)
	steps := []struct {
		path, auth string
		status     int
	}{
		{"/small", "k1", 200}, // a: 1, small: 1
		{"/small", "k1", 429}, // a: 2, small: 2 > 1
		{"/a", "k1", 200},     // a: 3
		{"/a", "k1", 200},     // a: 4
		{"/a", "k1", 429},     // a: 5 > 4
		{"/a", "k2", 200},     // another credential
		{"/b", "k1", 200},     // another API
		{"/token", "k1", 200}, // token endpoints have no budget
	}
	for i, s := range steps {
		clk.Advance(time.Second)
		status, body, h := get(s.path, s.auth)
		if status != s.status {
			t.Fatalf("step %d: GET %s as %s: %d %s, want %d", i, s.path, s.auth, status, body, s.status)
		}
		if status == 429 {
			if body != "a 429 Too many requests, please try again later" {
				t.Errorf("step %d: 429 body %q", i, body)
			}
			left := fmt.Sprint(60 - (i + 1) + 1) // the window opened at step 0's second
			if h.Get("Retry-After") != left || h.Get("X-RateLimit-Reset") != left {
				t.Errorf("step %d: Retry-After %q, X-RateLimit-Reset %q, want %s", i, h.Get("Retry-After"), h.Get("X-RateLimit-Reset"), left)
			}
		}
	}
}

func TestLatencyHonoursCancellation(t *testing.T) {
	rt := NewRouter(RouterConfig{Latency: time.Hour})
	rt.Handle("GET /a", testAPI("a"), ok)
	ts := httptest.NewServer(rt)
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // cancel once the router holds the request, however slow the machine
		for rt.Requests() < 1 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/a", nil)
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the client's cancellation (the response is delayed by Latency)", err)
	}
	if rt.Requests() != 1 {
		t.Errorf("Requests = %d", rt.Requests())
	}
}
