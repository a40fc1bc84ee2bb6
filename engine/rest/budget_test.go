package rest

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestMaxInFlightBoundsConcurrentRequests: the fake counts requests in
// flight; 24 callers share a client bounded to 3.
func TestMaxInFlightBoundsConcurrentRequests(t *testing.T) {
	var now, peak atomic.Int64
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := now.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond) // keep the request open so others overlap
		now.Add(-1)
		_, _ = w.Write([]byte(`[]`))
	})
	c, _ := newTestClient(t, Options{MaxInFlight: 3})
	var wg sync.WaitGroup
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Do(context.Background(), get(t, srv.URL), Call{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak in-flight requests = %d, want at most 3 (and overlap)", p)
	}
}

// TestTooManyRequestsSlowsTheBudget: a 429 although pipe paced itself
// lowers the client-wide and the endpoint budgets.
func TestTooManyRequestsSlowsTheBudget(t *testing.T) {
	var calls atomic.Int64
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte(`[]`))
	})
	client := rate.NewLimiter(rate.Limit(100), 10)
	endpoint := rate.NewLimiter(rate.Limit(50), 10)
	c, sl := newTestClient(t, Options{Limiter: client})
	if _, err := c.Do(context.Background(), get(t, srv.URL), Call{Limiter: endpoint}); err != nil {
		t.Fatal(err)
	}
	if got, want := float64(client.Limit()), 100*slowDownFactor; got != want {
		t.Errorf("client budget = %g/s, want %g/s", got, want)
	}
	if got, want := float64(endpoint.Limit()), 50*slowDownFactor; got != want {
		t.Errorf("endpoint budget = %g/s, want %g/s", got, want)
	}
	if w := sl.waits(); len(w) != 1 || w[0] != time.Second {
		t.Errorf("waits = %v, want the 1s Retry-After", w)
	}
}

// TestWaitingReportsRateLimitWaits: callers learn when requests wait for
// the budget, for the progress line. The bucket is emptied first, so the
// request waits about 100 ms for its token, on any machine; a request
// with a token at hand reports no wait.
func TestWaitingReportsRateLimitWaits(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`[]`)) })
	lim := rate.NewLimiter(rate.Limit(10), 1)
	c, _ := newTestClient(t, Options{Limiter: lim})
	var waited atomic.Int64
	var waits, ended atomic.Int32
	call := Call{Waiting: func() func() {
		waits.Add(1)
		start := time.Now()
		return func() { ended.Add(1); waited.Add(int64(time.Since(start))) }
	}}
	lim.SetBurst(2) // one token at hand: no wait
	if _, err := c.Do(context.Background(), get(t, srv.URL), call); err != nil {
		t.Fatal(err)
	}
	if waits.Load() != 0 {
		t.Fatalf("a request with a token at hand reported %d waits", waits.Load())
	}
	lim.SetBurst(1)
	for lim.Allow() { // empty the bucket
	}
	if _, err := c.Do(context.Background(), get(t, srv.URL), call); err != nil {
		t.Fatal(err)
	}
	if waits.Load() != 1 || ended.Load() != 1 || waited.Load() < int64(time.Millisecond) {
		t.Errorf("%d waits (%d ended, %s in all), want the limiter's wait reported", waits.Load(), ended.Load(), time.Duration(waited.Load()))
	}
}
