package secrets

import (
	"context"
	"fmt"
	"time"
)

// PollLock calls try until it reports the lock taken, an error, or ctx is
// done, waiting first between tries and doubling the wait up to max.
// kind and name label errors ("vault lock \"snyk\": …"). It is the retry
// loop of every store-level lock (Vault here, Redis in credentials).
func PollLock(ctx context.Context, kind, name string, first, max time.Duration, try func() (bool, error)) error {
	wait := first
	for {
		ok, err := try()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%s %q: %w", kind, name, err)
		}
		if ok {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		if wait < max {
			wait *= 2
		}
	}
}
