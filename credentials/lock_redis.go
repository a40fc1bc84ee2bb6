package credentials

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pipe-etl/pipe/credentials/secrets"
)

// RedisLocker locks with SET key token NX PX ttl and releases with a Lua
// script that deletes the key only if it still holds this holder's
// token, so a holder whose lock expired never releases someone else's.
// For the broker: every broker replica that shares the Redis shares the
// lock. The TTL bounds how long a crashed holder blocks others; it must
// exceed the longest refresh (token request plus store write).
type RedisLocker struct {
	Client redis.UniversalClient
	// TTL defaults to 60 s.
	TTL time.Duration
	// Prefix is put before the name to make the key; default "pipe:lock:".
	Prefix string
}

// releaseScript deletes KEYS[1] only if it holds ARGV[1].
var releaseScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`)

// Lock polls SET NX until it succeeds or ctx is done.
func (l RedisLocker) Lock(ctx context.Context, name string) (func() error, error) {
	if l.Client == nil {
		return nil, fmt.Errorf("redis lock %q: no client", name)
	}
	ttl, prefix := l.TTL, l.Prefix
	if ttl <= 0 {
		ttl = 60 * time.Second
	}
	if prefix == "" {
		prefix = "pipe:lock:"
	}
	key := prefix + name
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("redis lock %q: %w", name, err)
	}
	token := hex.EncodeToString(b)
	if err := secrets.PollLock(ctx, "redis lock", name, 2*time.Millisecond, 100*time.Millisecond, func() (bool, error) {
		return l.Client.SetNX(ctx, key, token, ttl).Result()
	}); err != nil {
		return nil, err
	}
	var once sync.Once
	return func() error {
		err := ErrLockLost
		once.Do(func() {
			uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			n, rerr := releaseScript.Run(uctx, l.Client, []string{key}, token).Int()
			switch {
			case rerr != nil:
				err = fmt.Errorf("redis unlock %q: %w", name, rerr)
			case n == 0:
				err = fmt.Errorf("redis unlock %q: %w", name, ErrLockLost)
			default:
				err = nil
			}
		})
		return err
	}, nil
}

var _ Locker = RedisLocker{}
