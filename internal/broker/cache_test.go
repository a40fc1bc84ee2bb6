package broker_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/redistest"
	"github.com/pipe-etl/pipe/internal/broker"
)

// runCacheSuite is the conformance suite every Cache passes; expire makes
// entries set with ttl short expire (a clock step, or a real wait for Redis).
func runCacheSuite(t *testing.T, c broker.Cache, expire func()) {
	ctx := context.Background()
	if _, err := c.Get(ctx, "k"); !errors.Is(err, broker.ErrCacheMiss) {
		t.Fatalf("Get of a missing key = %v, want ErrCacheMiss", err)
	}
	if err := c.Set(ctx, "k", "v1", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "k", "v2", time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(ctx, "k"); err != nil || v != "v2" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if ok, err := c.Delete(ctx, "k"); err != nil || !ok {
		t.Fatalf("Delete existing = %v, %v", ok, err)
	}
	if ok, err := c.Delete(ctx, "k"); err != nil || ok {
		t.Fatalf("Delete missing = %v, %v", ok, err)
	}
	if err := c.Set(ctx, "short", "v", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, "long", "v", time.Hour)
	expire()
	if _, err := c.Get(ctx, "short"); !errors.Is(err, broker.ErrCacheMiss) {
		t.Errorf("expired entry = %v, want ErrCacheMiss", err)
	}
	if ok, _ := c.Delete(ctx, "short"); ok {
		t.Errorf("Delete reported an expired entry as present")
	}
	if v, err := c.Get(ctx, "long"); err != nil || v != "v" {
		t.Errorf("unexpired entry lost: %q %v", v, err)
	}
}

func TestMemoryCache(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := broker.NewMemoryCache(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	runCacheSuite(t, c, func() { mu.Lock(); now = now.Add(time.Second); mu.Unlock() })
}

func TestRedisCache(t *testing.T) {
	client := redistest.Start(t)
	c := &broker.RedisCache{Client: client}
	runCacheSuite(t, c, func() {
		// Redis expires on its own clock: wait until it has.
		for client.Exists(context.Background(), "short").Val() == 1 {
			time.Sleep(10 * time.Millisecond)
		}
	})
	if _, err := broker.NewRedisCacheFromURL("redis://:hunter2@[::bad"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad REDIS_URL error = %v", err)
	}
	rc, err := broker.NewRedisCacheFromURL("redis://" + client.Options().Addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Client.Close()
	if err := rc.Set(context.Background(), "x", "y", time.Minute); err != nil {
		t.Fatal(err)
	}
}
