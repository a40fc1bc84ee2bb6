package secrets

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// ErrLockLost is returned by an unlock func when the lock had already
// expired and been taken by someone else.
var ErrLockLost = errors.New("lock was lost before it was released")

// DefaultVaultLockTTL is how long a Vault lock holds without being
// released, unless VaultConfig.LockTTL says otherwise.
const DefaultVaultLockTTL = 2 * time.Minute

// vaultLock is the content of a lock entry: who holds it and until when.
// A released lock keeps its entry with an empty holder.
type vaultLock struct {
	Holder  string `json:"holder"`
	Host    string `json:"host,omitempty"`
	Expires string `json:"expires,omitempty"`
}

// Lock takes a lock named name that lives in the vault itself, so every
// process on every machine that shares the vault shares the lock. The
// lock is the secret <prefix>/pipe-locks/<name> (fields holder, host,
// expires); it is taken and released with KV v2 check-and-set (cas 0 to
// create it, else the version read), so of two processes that race, one
// write succeeds and the other gets a conflict and waits. A held lock
// expires after LockTTL, so a holder that died does not block others
// forever; holders must finish well within it (a refresh and a store
// write take seconds). Lock polls until it holds the lock or ctx is done.
// The entry is never deleted: releasing writes a version with no holder.
//
// Lock makes *Vault a credentials.Locker.
func (v *Vault) Lock(ctx context.Context, name string) (unlock func() error, err error) {
	p := v.lockPath(name)
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("vault lock %q: %w", name, err)
	}
	holder := hex.EncodeToString(b)
	if err := PollLock(ctx, "vault lock", name, 5*time.Millisecond, 200*time.Millisecond, func() (bool, error) {
		return v.tryLock(ctx, p, holder)
	}); err != nil {
		return nil, err
	}
	var once sync.Once
	return func() error {
		err := ErrLockLost
		once.Do(func() { err = v.releaseLock(context.WithoutCancel(ctx), p, holder) })
		if err != nil {
			return fmt.Errorf("vault unlock %q: %w", name, err)
		}
		return nil
	}, nil
}

// tryLock takes the lock at p for holder if it is free or expired; false
// means someone else holds it (or won the race for it).
func (v *Vault) tryLock(ctx context.Context, p, holder string) (bool, error) {
	cur, version, err := v.readLock(ctx, p)
	if err != nil {
		return false, err
	}
	now := time.Now()
	if cur.Holder != "" {
		exp, err := time.Parse(time.RFC3339Nano, cur.Expires)
		if err == nil && now.Before(exp) {
			return false, nil
		}
	}
	host, _ := os.Hostname()
	next := vaultLock{Holder: holder, Host: host, Expires: now.Add(v.cfg.LockTTL).UTC().Format(time.RFC3339Nano)}
	err = v.writeLock(ctx, p, version, next)
	if errors.Is(err, ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// releaseLock clears the holder, if it is still holder.
func (v *Vault) releaseLock(ctx context.Context, p, holder string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cur, version, err := v.readLock(ctx, p)
	if err != nil {
		return err
	}
	if cur.Holder != holder {
		return ErrLockLost
	}
	err = v.writeLock(ctx, p, version, vaultLock{})
	if errors.Is(err, ErrConflict) {
		return ErrLockLost
	}
	return err
}

// readLock reads the lock entry at p and its version (0: no entry).
func (v *Vault) readLock(ctx context.Context, p string) (vaultLock, int, error) {
	body, err := v.do(ctx, http.MethodGet, v.dataPath(p), nil)
	if errors.Is(err, ErrNotFound) {
		return vaultLock{}, 0, nil
	}
	if err != nil {
		return vaultLock{}, 0, err
	}
	var resp struct {
		Data struct {
			Data     vaultLock `json:"data"`
			Metadata struct {
				Version int `json:"version"`
			} `json:"metadata"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return vaultLock{}, 0, fmt.Errorf("GET %s: decode response: %w", v.dataPath(p), err)
	}
	return resp.Data.Data, resp.Data.Metadata.Version, nil
}

// writeLock writes l as the next version of p with check-and-set on version.
func (v *Vault) writeLock(ctx context.Context, p string, version int, l vaultLock) error {
	data := map[string]any{"holder": l.Holder, "host": l.Host, "expires": l.Expires}
	_, err := v.do(ctx, http.MethodPost, v.dataPath(p), map[string]any{"data": data, "options": map[string]any{"cas": version}})
	return err
}

// lockPath is the secret path of lock name: letters, digits, '.', '_'
// and '-' are kept, anything else replaced, and a short hash of the
// original keeps distinct names distinct.
func (v *Vault) lockPath(name string) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			return r
		}
		return '_'
	}, name)
	if safe != name || name == "" || strings.HasPrefix(name, ".") {
		sum := sha256.Sum256([]byte(name))
		safe = strings.TrimLeft(safe, ".") + "-" + hex.EncodeToString(sum[:4])
	}
	p := "pipe-locks/" + safe
	if v.cfg.Prefix != "" {
		p = v.cfg.Prefix + "/" + p
	}
	return p
}
