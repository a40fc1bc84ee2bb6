package cli

import (
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
)

// secretsFile is where {secrets.*} and stored credentials live on disk.
const secretsFile = ".pipe/secrets.yml"

// secretStore is where {secrets.*} are looked up, in order: the
// environment (NAME upper-cased), the secrets file (refused unless mode
// 0600), then Vault/OpenBao KV v2 when VAULT_ADDR (or BAO_ADDR) is set.
func (e *env) secretStore() (secrets.Store, error) {
	chain := secrets.Chain{secrets.Env{Lookup: e.getenv}, secrets.NewFile(secretsFile)}
	v, err := e.vault()
	if err != nil {
		return nil, err
	}
	if v != nil {
		chain = append(chain, v)
	}
	return chain, nil
}

// credentialStore is where pipe writes the credentials it rotates:
// Vault when configured, else the secrets file.
func (e *env) credentialStore() (secrets.Writer, error) {
	v, err := e.vault()
	if err != nil || v != nil {
		return v, err
	}
	return secrets.NewFile(secretsFile), nil
}

// vault returns the Vault store configured by the environment, nil when
// VAULT_ADDR (or BAO_ADDR) is not set, or an error when it is set but
// unusable (no token). PIPE_VAULT_MOUNT (default kv) and PIPE_VAULT_PREFIX
// (default pipe) place pipe's secrets: {secrets.snyk_token} is field
// "value" of kv/data/pipe/snyk_token. PIPE_VAULT_LOCK_TTL (a duration,
// default 2m) bounds how long a refresh lock left by a dead process, or
// one that could not be released because the vault sealed, blocks others.
func (e *env) vault() (*secrets.Vault, error) {
	cfg := secrets.VaultConfigFromEnv(e.getenv)
	if cfg.Addr == "" {
		return nil, nil
	}
	cfg.Mount = e.envOr("PIPE_VAULT_MOUNT", "kv")
	cfg.Prefix = e.envOr("PIPE_VAULT_PREFIX", "pipe")
	if ttl, ok := e.getenv("PIPE_VAULT_LOCK_TTL"); ok && ttl != "" {
		d, err := time.ParseDuration(ttl)
		if err != nil || d <= 0 {
			return nil, usagef("PIPE_VAULT_LOCK_TTL=%q: want a positive duration such as 2m", ttl)
		}
		cfg.LockTTL = d
	}
	v, err := secrets.NewVault(cfg)
	if err != nil {
		return nil, usagef("vault at %s: %w", cfg.Addr, err)
	}
	return v, nil
}

func (e *env) envOr(name, def string) string {
	if v, ok := e.getenv(name); ok && v != "" {
		return v
	}
	return def
}
