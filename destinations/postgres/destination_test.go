package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
)

// TestAdvisoryLock serialises two destinations on one database, as two
// processes refreshing one OAuth token would be.
func TestAdvisoryLock(t *testing.T) {
	dataset := freshDataset(t)
	open := func() destinations.AdvisoryLocker {
		d, err := Open(t.Context(), testDSN(), WithDataset(dataset))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	a, b := open(), open()
	name := "credential " + dataset
	unlock, err := a.Lock(t.Context(), name)
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	// b waits while a holds the lock: a cancelled wait gives up.
	cctx, cancel := context.WithCancel(t.Context())
	waited := make(chan error, 1)
	go func() {
		_, err := b.Lock(cctx, name)
		waited <- err
	}()
	var held bool
	for !held {
		// The wait is visible in pg_locks before it is cancelled.
		if err := a.(*Destination).DB().QueryRowContext(t.Context(),
			`SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND objid::bigint = hashtext($1)::bigint & 4294967295`, name).Scan(&held); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := <-waited; !errors.Is(err, context.Canceled) {
		t.Fatalf("lock held elsewhere: %v, want context.Canceled", err)
	}
	if err := unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if err := unlock(); err == nil {
		t.Error("second unlock: nil error")
	}
	unlockB, err := b.Lock(t.Context(), name)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	if err := unlockB(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
}
