package broker

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrCacheMiss is returned by Cache.Get for a key that is absent or expired.
var ErrCacheMiss = errors.New("cache miss")

// Cache holds short-lived broker data: access tokens under
// "snyk:{org}:{client}" and PKCE data under "pkce:{state}".
//
// Get returns the value or an error wrapping ErrCacheMiss. Set stores a
// value for ttl (ttl > 0). Delete reports whether the key existed. Other
// errors mean the cache is unreachable; the broker then answers from the
// store where it can and reports the error where it cannot. All methods
// are safe for concurrent use.
type Cache interface {
	Get(ctx context.Context, key string) (string, error)
	Set(ctx context.Context, key, value string, ttl time.Duration) error
	Delete(ctx context.Context, key string) (bool, error)
}

// MemoryCache is a Cache in this process's memory, for a single broker
// replica. Its zero value is not usable; call NewMemoryCache.
type MemoryCache struct {
	now func() time.Time

	mu      sync.Mutex
	entries map[string]memoryEntry
}

type memoryEntry struct {
	value   string
	expires time.Time
}

// NewMemoryCache returns an empty cache; now defaults to time.Now.
func NewMemoryCache(now func() time.Time) *MemoryCache {
	if now == nil {
		now = time.Now
	}
	return &MemoryCache{now: now, entries: map[string]memoryEntry{}}
}

// Get returns a live entry.
func (m *MemoryCache) Get(_ context.Context, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok || !m.now().Before(e.expires) {
		delete(m.entries, key)
		return "", ErrCacheMiss
	}
	return e.value, nil
}

// Set stores value until now+ttl, dropping expired entries as it goes.
func (m *MemoryCache) Set(_ context.Context, key, value string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for k, e := range m.entries {
		if !now.Before(e.expires) {
			delete(m.entries, k)
		}
	}
	m.entries[key] = memoryEntry{value: value, expires: now.Add(ttl)}
	return nil
}

// Delete removes key and reports whether a live entry was there.
func (m *MemoryCache) Delete(_ context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	delete(m.entries, key)
	return ok && m.now().Before(e.expires), nil
}

var _ Cache = (*MemoryCache)(nil)
