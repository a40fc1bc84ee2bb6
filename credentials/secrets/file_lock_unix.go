//go:build unix

package secrets

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// LockFile takes an exclusive flock(2) on path (created mode 0600),
// polling so that ctx can cancel the wait. The lock is held by the open
// file and released by unlock (call it once) or by the process exiting,
// so a crash never leaves it held. Other packages that need a lock across
// processes (credential rotation) use it too.
func LockFile(ctx context.Context, path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	wait := time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() error {
				err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				return errors.Join(err, f.Close())
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, ctx.Err()
		case <-t.C:
		}
		if wait < 50*time.Millisecond {
			wait *= 2
		}
	}
}
