package secrets_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/credentials/secrets/secretstest"
)

// TestVaultLockExcludesAcrossClients runs many holders on separate
// *Vault clients (as separate processes would be) and checks that no two
// are ever inside the lock at once.
func TestVaultLockExcludesAcrossClients(t *testing.T) {
	fake := secretstest.NewVault(t)
	ctx := context.Background()
	var mu sync.Mutex
	inside, maxInside, total := 0, 0, 0
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			v := newVault(t, fake, func(c *secrets.VaultConfig) { c.Prefix = "pipe" })
			for range 5 {
				unlock, err := v.Lock(ctx, "snyk:ORG:CLIENT")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				inside++
				total++
				maxInside = max(maxInside, inside)
				mu.Unlock()
				time.Sleep(time.Millisecond) // widen the window a second holder would need
				mu.Lock()
				inside--
				mu.Unlock()
				if err := unlock(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if maxInside != 1 || total != 30 {
		t.Errorf("max holders at once = %d, total = %d; want 1 and 30", maxInside, total)
	}
}

func TestVaultLockStates(t *testing.T) {
	ctx := context.Background()
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)
	tests := []struct {
		name     string
		seed     map[string]any // the lock entry before Lock; nil: none
		wantHeld bool           // Lock gets the lock at once
	}{
		{"no entry", nil, true},
		{"released", map[string]any{"holder": "", "expires": ""}, true},
		{"expired holder (a dead process)", map[string]any{"holder": "dead", "expires": past}, true},
		{"live holder", map[string]any{"holder": "other", "expires": future}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := secretstest.NewVault(t)
			if tt.seed != nil {
				fake.Seed("pipe-locks/snyk", tt.seed)
			}
			v := newVault(t, fake, nil)
			lctx, cancel := context.WithCancel(ctx)
			if !tt.wantHeld {
				cancel() // nothing to wait for: the first try decides
			}
			unlock, err := v.Lock(lctx, "snyk")
			cancel()
			if !tt.wantHeld {
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Lock over a live holder = %v, want it to wait", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if data, _ := fake.Current("pipe-locks/snyk"); data["holder"] == "" || data["holder"] == "dead" {
				t.Errorf("lock entry after Lock = %v", data)
			}
			if err := unlock(); err != nil {
				t.Fatal(err)
			}
			if data, _ := fake.Current("pipe-locks/snyk"); data["holder"] != "" {
				t.Errorf("lock entry after unlock = %v", data)
			}
		})
	}
}

// TestVaultLockLost: a holder whose lock expired and was taken over is
// told so on unlock, and does not release the new holder's lock.
func TestVaultLockLost(t *testing.T) {
	ctx := context.Background()
	fake := secretstest.NewVault(t)
	v := newVault(t, fake, nil)
	unlock, err := v.Lock(ctx, "snyk")
	if err != nil {
		t.Fatal(err)
	}
	fake.Seed("pipe-locks/snyk", map[string]any{"holder": "newer", "expires": time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)})
	if err := unlock(); !errors.Is(err, secrets.ErrLockLost) {
		t.Fatalf("unlock = %v, want ErrLockLost", err)
	}
	if data, _ := fake.Current("pipe-locks/snyk"); data["holder"] != "newer" {
		t.Errorf("the new holder's lock was released: %v", data)
	}
}
