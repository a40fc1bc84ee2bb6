package credentials_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/credentials/redistest"
	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/credentials/secrets/secretstest"
)

// runLockerSuite is the conformance suite every Locker passes.
func runLockerSuite(t *testing.T, l credentials.Locker) {
	ctx := context.Background()
	t.Run("mutual exclusion", func(t *testing.T) {
		var inside, violations atomic.Int32
		var wg sync.WaitGroup
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 4 {
					unlock, err := l.Lock(ctx, "suite-mutex")
					if err != nil {
						t.Error(err)
						return
					}
					if inside.Add(1) > 1 {
						violations.Add(1)
					}
					time.Sleep(time.Millisecond)
					inside.Add(-1)
					if err := unlock(); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		if violations.Load() > 0 {
			t.Fatalf("%d times two holders at once", violations.Load())
		}
	})
	t.Run("names are independent", func(t *testing.T) {
		unlockA, err := l.Lock(ctx, "suite-a")
		if err != nil {
			t.Fatal(err)
		}
		defer unlockA()
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		unlockB, err := l.Lock(cctx, "suite-b")
		if err != nil {
			t.Fatalf("lock b while a is held: %v", err)
		}
		unlockB()
	})
	t.Run("cancelled wait", func(t *testing.T) {
		unlock, err := l.Lock(ctx, "suite-c")
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := l.Lock(cctx, "suite-c"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Lock on a held name with a deadline = %v, want DeadlineExceeded", err)
		}
		if err := unlock(); err != nil {
			t.Fatal(err)
		}
		// The cancelled waiter holds nothing: the lock is free again.
		cctx2, cancel2 := context.WithTimeout(ctx, 10*time.Second)
		defer cancel2()
		again, err := l.Lock(cctx2, "suite-c")
		if err != nil {
			t.Fatalf("lock after release: %v", err)
		}
		again()
	})
	t.Run("double unlock", func(t *testing.T) {
		unlock, err := l.Lock(ctx, "suite-d")
		if err != nil {
			t.Fatal(err)
		}
		if err := unlock(); err != nil {
			t.Fatal(err)
		}
		if err := unlock(); !errors.Is(err, credentials.ErrLockLost) {
			t.Fatalf("second unlock = %v, want ErrLockLost", err)
		}
	})
}

func TestLocalLocker(t *testing.T) { runLockerSuite(t, &credentials.LocalLocker{}) }

func TestFileLocker(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "locks")
	runLockerSuite(t, credentials.FileLocker{Dir: dir})
	unlock, err := credentials.FileLocker{Dir: dir}.Lock(context.Background(), "snyk:org/../x")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if filepath.Base(e.Name()) != e.Name() || e.Name()[0] == '.' {
			t.Errorf("unsafe lock file name %q", e.Name())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "suite-a.lock")); err != nil {
		t.Errorf("plain names map to <name>.lock: %v", err)
	}
}

func TestRedisLocker(t *testing.T) {
	client := redistest.Start(t)
	runLockerSuite(t, credentials.RedisLocker{Client: client})

	t.Run("expired lock is not released by its old holder", func(t *testing.T) {
		ctx := context.Background()
		short := credentials.RedisLocker{Client: client, TTL: 100 * time.Millisecond}
		unlockA, err := short.Lock(ctx, "expiring")
		if err != nil {
			t.Fatal(err)
		}
		long := credentials.RedisLocker{Client: client}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		unlockB, err := long.Lock(cctx, "expiring") // succeeds once A's key expires
		if err != nil {
			t.Fatal(err)
		}
		if err := unlockA(); !errors.Is(err, credentials.ErrLockLost) {
			t.Fatalf("unlock of an expired lock = %v, want ErrLockLost", err)
		}
		if n, _ := client.Exists(ctx, "pipe:lock:expiring").Result(); n != 1 {
			t.Fatalf("the old holder deleted the new holder's lock")
		}
		if err := unlockB(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestVaultLocker runs the suite on the vault's own lock (the one pipe
// run takes when the refresh token lives in Vault/OpenBao).
func TestVaultLocker(t *testing.T) {
	fake := secretstest.NewVault(t)
	v, err := secrets.NewVault(secrets.VaultConfig{Addr: fake.URL, Token: fake.Token, Prefix: "pipe"})
	if err != nil {
		t.Fatal(err)
	}
	runLockerSuite(t, v)
}
