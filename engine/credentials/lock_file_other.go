//go:build !unix

package credentials

import (
	"context"
	"errors"
)

// flock is not available off unix; use PostgresLocker or RedisLocker there.
func flock(context.Context, string) (func() error, error) {
	return nil, errors.New("file locks need a unix system")
}
