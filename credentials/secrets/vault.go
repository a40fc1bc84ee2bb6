package secrets

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"
)

// VaultConfig configures a Vault store. Addr and Token are required.
type VaultConfig struct {
	// Addr is the server's base address, e.g. https://openbao:8200.
	Addr string
	// Token is sent as X-Vault-Token. It never appears in errors or logs.
	Token string
	// Namespace, if set, is sent as X-Vault-Namespace (Vault Enterprise, OpenBao namespaces).
	Namespace string
	// Mount is the KV v2 mount path; default "kv".
	Mount string
	// Prefix is joined before every secret path, e.g. "pipe".
	Prefix string
	// DefaultField is the field read and written for names without
	// "#field"; default "value".
	DefaultField string
	// HTTPClient defaults to a client with a 30 s timeout.
	HTTPClient *http.Client
	// LockTTL is how long a lock taken with Lock holds unless released;
	// default DefaultVaultLockTTL.
	LockTTL time.Duration
}

// Vault is a Store and Writer on a Vault or OpenBao KV version 2 mount,
// spoken over plain HTTP (no SDK).
//
// A secret name is a path, optionally followed by "#" and a field:
// "snyk/ORG/CLIENT#refresh_token" is field refresh_token of
// <mount>/data/<prefix>/snyk/ORG/CLIENT (snykey's layout); a name without
// "#" uses DefaultField. Put keeps the other fields of the secret and
// writes with check-and-set against the version this store last read or
// wrote for that secret (or reads it first), so a write by anyone else
// since then makes Put fail with ErrConflict instead of being silently
// overwritten. A long-lived caller that may be behind other writers
// calls Get (under its lock) before Put. After a conflict the store
// forgets the version, so a deliberate retry re-reads. Delete removes the
// field, and every version of the secret (its metadata) when no field is
// left.
//
// Errors wrap ErrNotFound (404 or no such field), ErrSealed (503: nothing
// was read or written), ErrForbidden (403) or ErrConflict; the server's
// {"errors":[...]} messages are included with the token and values
// removed.
type Vault struct {
	cfg VaultConfig
	hc  *http.Client

	mu   sync.Mutex
	seen map[string]kvVersion // secret path -> what this store last read or wrote
}

// kvVersion is one version of a secret: all its fields.
type kvVersion struct {
	version int
	data    map[string]any
}

// NewVault returns a Vault store, or an error if Addr or Token is missing.
func NewVault(cfg VaultConfig) (*Vault, error) {
	cfg.Addr = strings.TrimRight(cfg.Addr, "/")
	if cfg.Addr == "" {
		return nil, errors.New("vault: no address (set VAULT_ADDR or BAO_ADDR)")
	}
	if cfg.Token == "" {
		return nil, fmt.Errorf("vault at %s: no token (set VAULT_TOKEN or BAO_TOKEN)", cfg.Addr)
	}
	if cfg.Mount == "" {
		cfg.Mount = "kv"
	}
	cfg.Mount = strings.Trim(cfg.Mount, "/")
	cfg.Prefix = strings.Trim(cfg.Prefix, "/")
	if cfg.DefaultField == "" {
		cfg.DefaultField = "value"
	}
	if cfg.LockTTL <= 0 {
		cfg.LockTTL = DefaultVaultLockTTL
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Vault{cfg: cfg, hc: hc, seen: map[string]kvVersion{}}, nil
}

// Addr returns the server address, for messages.
func (v *Vault) Addr() string { return v.cfg.Addr }

// Get returns the field named by name from the latest version of its secret.
func (v *Vault) Get(ctx context.Context, name string) (string, error) {
	p, field, err := v.parseName(name)
	if err != nil {
		return "", err
	}
	cur, err := v.read(ctx, p)
	if err != nil {
		return "", err
	}
	raw, ok := cur.data[field]
	if !ok || raw == nil {
		return "", fmt.Errorf("vault at %s: %s: field %q: %w", v.cfg.Addr, v.dataPath(p), field, ErrNotFound)
	}
	s, ok := raw.(string)
	if !ok {
		return "", fmt.Errorf("vault at %s: %s: field %q is a %T, not a string", v.cfg.Addr, v.dataPath(p), field, raw)
	}
	return s, nil
}

// Put sets the field named by name, keeping the secret's other fields,
// with check-and-set against the version last read.
func (v *Vault) Put(ctx context.Context, name, value string) error {
	p, field, err := v.parseName(name)
	if err != nil {
		return err
	}
	base, err := v.base(ctx, p)
	if err != nil {
		return err
	}
	data := maps.Clone(base.data)
	data[field] = value
	return v.write(ctx, p, base.version, data, value)
}

// Delete removes the field named by name; when it was the secret's only
// field, every version of the secret is removed.
func (v *Vault) Delete(ctx context.Context, name string) error {
	p, field, err := v.parseName(name)
	if err != nil {
		return err
	}
	cur, err := v.read(ctx, p)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, ok := cur.data[field]; !ok {
		return nil
	}
	if len(cur.data) > 1 {
		data := maps.Clone(cur.data)
		delete(data, field)
		return v.write(ctx, p, cur.version, data, "")
	}
	if _, err := v.do(ctx, http.MethodDelete, v.metadataPath(p), nil); err != nil {
		return err
	}
	v.remember(p, nil)
	return nil
}

// Describe says where name is kept.
func (v *Vault) Describe(name string) string {
	p, field, err := v.parseName(name)
	if err != nil {
		return fmt.Sprintf("vault at %s", v.cfg.Addr)
	}
	return fmt.Sprintf("vault at %s (%s, field %s)", v.cfg.Addr, v.dataPath(p), field)
}

// base returns the version to write on top of: the one last seen, or the
// current one, or version 0 (must not exist yet) for a new secret.
func (v *Vault) base(ctx context.Context, p string) (kvVersion, error) {
	v.mu.Lock()
	seen, ok := v.seen[p]
	v.mu.Unlock()
	if ok {
		return seen, nil
	}
	cur, err := v.read(ctx, p)
	if errors.Is(err, ErrNotFound) {
		return kvVersion{data: map[string]any{}}, nil
	}
	return cur, err
}

// remember records what the server holds for p after a read or write (nil: nothing).
func (v *Vault) remember(p string, kv *kvVersion) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if kv == nil {
		delete(v.seen, p)
		return
	}
	v.seen[p] = kvVersion{version: kv.version, data: maps.Clone(kv.data)}
}

var (
	_ Writer      = (*Vault)(nil)
	_ SealChecker = (*Vault)(nil)
	_ Describer   = (*Vault)(nil)
)
