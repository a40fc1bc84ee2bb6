package credentials

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultLockDir is where FileLocker keeps its lock files unless configured.
const DefaultLockDir = ".pipe/locks"

// FileLocker locks with flock(2) on <Dir>/<name>.lock, which works across
// processes on one machine (and goroutines: each Lock opens the file
// anew). The lock is released by unlock or when the process dies, so a
// crash never leaves it held. Lock files are kept, empty.
type FileLocker struct {
	// Dir defaults to DefaultLockDir; it is created with mode 0700.
	Dir string
}

// Lock takes the file lock for name, polling so that ctx can cancel the wait.
func (l FileLocker) Lock(ctx context.Context, name string) (func() error, error) {
	dir := l.Dir
	if dir == "" {
		dir = DefaultLockDir
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock %q: %w", name, err)
	}
	path := filepath.Join(dir, fileName(name)+".lock")
	unlock, err := flock(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("lock %q: %s: %w", name, path, err)
	}
	return unlock, nil
}

// fileName maps a credential name onto a safe file name: letters, digits,
// '.', '_' and '-' are kept; anything else is replaced and a short hash of
// the original keeps distinct names distinct.
func fileName(name string) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		case r == '.':
			return r
		}
		return '_'
	}, name)
	if safe == name && name != "" && name[0] != '.' {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return strings.TrimLeft(safe, ".") + "-" + hex.EncodeToString(sum[:4])
}

var _ Locker = FileLocker{}
