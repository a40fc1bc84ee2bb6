package credentials_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/credentials/redistest"
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

// postgresDB connects to the test Postgres: PIPE_TEST_POSTGRES, else libpq
// environment defaults when PGHOST is set, else the local server with
// user and password postgres. Unreachable: skipped, or fatal under CI.
func postgresDB(t *testing.T) *sql.DB {
	t.Helper()
	dsn := os.Getenv("PIPE_TEST_POSTGRES")
	if dsn == "" && os.Getenv("PGHOST") == "" {
		dsn = "postgres://postgres:postgres@localhost:5432/postgres?sslmode=disable"
	}
	db, err := sql.Open("postgres", dsn)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("postgres unreachable (set PIPE_TEST_POSTGRES): %v", err)
		}
		t.Skipf("postgres unreachable (set PIPE_TEST_POSTGRES): %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestPostgresLocker(t *testing.T) {
	db := postgresDB(t)
	runLockerSuite(t, credentials.PostgresLocker{DB: db})

	t.Run("across connection pools", func(t *testing.T) {
		// Two *sql.DB stand for two machines sharing the database.
		other := postgresDB(t)
		ctx := context.Background()
		unlock, err := credentials.PostgresLocker{DB: db}.Lock(ctx, "shared")
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if _, err := (credentials.PostgresLocker{DB: other}).Lock(cctx, "shared"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("second pool took a held lock: %v", err)
		}
		if err := unlock(); err != nil {
			t.Fatal(err)
		}
		unlock2, err := credentials.PostgresLocker{DB: other}.Lock(ctx, "shared")
		if err != nil {
			t.Fatal(err)
		}
		unlock2()
	})
}
