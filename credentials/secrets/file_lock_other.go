//go:build !unix

package secrets

import (
	"context"
	"errors"
)

// LockFile is not implemented off unix: the secrets file cannot be shared
// safely between processes there, so writes are refused.
func LockFile(context.Context, string) (func() error, error) {
	return nil, errors.New("file locks need a unix system")
}
