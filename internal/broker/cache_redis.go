package broker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisCache is a Cache in Redis, shared by broker replicas; keys are
// snykey's ("snyk:{org}:{client}", "pkce:{state}"), so a broker can take
// over from snykey with the same Redis.
type RedisCache struct {
	Client redis.UniversalClient
}

// NewRedisCacheFromURL connects to REDIS_URL-style addresses
// (redis://[:password@]host:port/db, rediss:// for TLS). Errors never
// include the password.
func NewRedisCacheFromURL(url string) (*RedisCache, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, errors.New("redis: REDIS_URL is not a valid redis:// or rediss:// address")
	}
	return &RedisCache{Client: redis.NewClient(opt)}, nil
}

// Get returns the value of key, or ErrCacheMiss.
func (r *RedisCache) Get(ctx context.Context, key string) (string, error) {
	v, err := r.Client.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", ErrCacheMiss
	}
	if err != nil {
		return "", fmt.Errorf("redis: GET: %w", err)
	}
	return v, nil
}

// Set stores value with SET key value PX ttl.
func (r *RedisCache) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := r.Client.Set(ctx, key, value, ttl).Err(); err != nil {
		return fmt.Errorf("redis: SET: %w", err)
	}
	return nil
}

// Delete removes key and reports whether it existed.
func (r *RedisCache) Delete(ctx context.Context, key string) (bool, error) {
	n, err := r.Client.Del(ctx, key).Result()
	if err != nil {
		return false, fmt.Errorf("redis: DEL: %w", err)
	}
	return n > 0, nil
}

var _ Cache = (*RedisCache)(nil)
