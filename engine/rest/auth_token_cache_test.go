package rest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// countingFetch hands out v1, v2, … and records the stale value each call
// was given.
type countingFetch struct {
	mu       sync.Mutex
	stales   []string
	lifetime time.Duration
	fail     error
}

func (f *countingFetch) fetch(_ context.Context, stale string) (string, time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return "", 0, f.fail
	}
	f.stales = append(f.stales, stale)
	return fmt.Sprintf("v%d", len(f.stales)), f.lifetime, nil
}

func (f *countingFetch) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.stales...)
}

func TestTokenCacheRenewal(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f := &countingFetch{lifetime: time.Hour}
	c := NewTokenCache(f.fetch).WithClock(func() time.Time { return now }, time.Minute)
	get := func(want string) {
		t.Helper()
		if v, err := c.Get(ctx); err != nil || v != want {
			t.Fatalf("Get = %q, %v; want %q", v, err, want)
		}
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { get("v1") })
	}
	wg.Wait()
	c.Invalidate("v1")
	c.Invalidate("v1") // a second 401 for the same token
	get("v2")
	c.Invalidate("v1") // a late 401 for the replaced token
	get("v2")
	now = now.Add(59 * time.Minute) // within the skew of its expiry
	get("v3")
	f.fail = errors.New("token endpoint down")
	c.Invalidate("v3")
	if _, err := c.Get(ctx); !errors.Is(err, f.fail) {
		t.Fatalf("Get after a failed fetch = %v", err)
	}
	f.fail = nil
	get("v4") // the failure is not cached
	want := []string{"", "v1", "v2", "v3"}
	if got := f.calls(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("fetch saw stale values %q, want %q", got, want)
	}
}

// TestTokenCacheCancelWhileWaiting: a caller waiting for another's fetch
// gives up when its context ends.
func TestTokenCacheCancelWhileWaiting(t *testing.T) {
	held, release := make(chan struct{}), make(chan struct{})
	c := NewTokenCache(func(context.Context, string) (string, time.Duration, error) {
		close(held)
		<-release
		return "v1", 0, nil
	})
	first := make(chan error, 1)
	go func() { _, err := c.Get(context.Background()); first <- err }()
	<-held
	ctx, cancel := context.WithCancel(context.Background())
	waiting := make(chan error, 1)
	go func() { _, err := c.Get(ctx); waiting <- err }()
	cancel()
	if err := <-waiting; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiter = %v, want context.Canceled", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
}
