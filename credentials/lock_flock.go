package credentials

import (
	"context"
	"sync"

	"github.com/pipe-etl/pipe/credentials/secrets"
)

// flock takes an exclusive flock on path, polling until ctx is done; a
// second unlock returns ErrLockLost.
func flock(ctx context.Context, path string) (func() error, error) {
	unlock, err := secrets.LockFile(ctx, path)
	if err != nil {
		return nil, err
	}
	var once sync.Once
	return func() error {
		err := ErrLockLost
		once.Do(func() { err = unlock() })
		return err
	}, nil
}
