package credentials

import (
	"context"
	"sync"

	"github.com/pipe-etl/pipe/credentials/secrets"
)

// Locker serialises the refreshes of one credential.
//
// Lock blocks until it holds the lock for name, or ctx is done (then it
// returns ctx's error and holds nothing). The holder must call unlock
// exactly once; unlock's error means the lock was lost or could not be
// released cleanly (for example a Redis lock that expired while held),
// and is reported, not retried. Implementations are safe for concurrent
// use. Names are credential names such as "snyk" or "snyk:ORG:CLIENT";
// implementations map them onto what their backend allows.
type Locker interface {
	Lock(ctx context.Context, name string) (unlock func() error, err error)
}

// ErrLockLost is returned by an unlock func when the lock had already
// expired or been taken by someone else.
var ErrLockLost = secrets.ErrLockLost

// LocalLocker locks within this process only. Its zero value is ready to
// use. It is the default when no Locker is configured, which is correct
// only when a single process uses the credential.
type LocalLocker struct {
	mu    sync.Mutex
	locks map[string]chan struct{}
}

// Lock takes the in-process lock for name.
func (l *LocalLocker) Lock(ctx context.Context, name string) (func() error, error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]chan struct{}{}
	}
	ch, ok := l.locks[name]
	if !ok {
		ch = make(chan struct{}, 1)
		l.locks[name] = ch
	}
	l.mu.Unlock()
	select {
	case ch <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() error {
		err := ErrLockLost
		once.Do(func() { <-ch; err = nil })
		return err
	}, nil
}

// defaultLocker is shared by authenticators configured without a Locker,
// so two of them for the same credential in one process still serialise.
var defaultLocker = &LocalLocker{}

var (
	_ Locker = (*LocalLocker)(nil)
	_ Locker = (*secrets.Vault)(nil)
)
