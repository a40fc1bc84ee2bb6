//go:build unix

package jobs

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// serveLockSuffix names the file beside a SQLite queue that pipe serve
// locks.
const serveLockSuffix = "-pipeserve"

// ErrServing is why LockServe fails when another pipe serve works the
// queue.
var ErrServing = errors.New("another pipe serve works this queue")

// LockServe takes the serve lock of the SQLite queue at path: flock(2)
// on a file beside it, which the kernel releases when the process ends,
// however it ends. One process alone works an embedded queue, so the
// jobs it finds running at start are known dead (see Serve).
func LockServe(path string) (unlock func() error, err error) {
	name := path + serveLockSuffix
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("queue: lock %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("queue %s: %w", path, ErrServing)
		}
		return nil, fmt.Errorf("queue: lock %s: %w", name, err)
	}
	return f.Close, nil
}
