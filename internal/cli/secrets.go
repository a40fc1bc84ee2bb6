package cli

import (
	"github.com/pipe-etl/pipe/engine/secrets"
)

// secretsFile is where {secrets.*} and stored credentials live on disk.
const secretsFile = ".pipe/secrets.yml"

// secretStore is where {secrets.*} are looked up, in order: the
// environment (NAME upper-cased), the secrets file (refused unless mode
// 0600), then Vault/OpenBao KV v2 when VAULT_ADDR (or BAO_ADDR) is set.
func (e *env) secretStore() secrets.Store {
	chain := secrets.Chain{secrets.Env{Lookup: e.getenv}, secrets.NewFile(secretsFile)}
	if v := e.vault(); v != nil {
		chain = append(chain, v)
	}
	return chain
}

// credentialStore is where pipe writes the credentials it rotates:
// Vault when configured, else the secrets file.
func (e *env) credentialStore() secrets.Writer {
	if v := e.vault(); v != nil {
		return v
	}
	return secrets.NewFile(secretsFile)
}

// vault returns the Vault store configured by the environment, or nil.
// PIPE_VAULT_MOUNT (default kv) and PIPE_VAULT_PREFIX (default pipe) place
// pipe's secrets: {secrets.snyk_token} is field "value" of kv/data/pipe/snyk_token.
func (e *env) vault() *secrets.Vault {
	cfg := secrets.VaultConfigFromEnv(e.getenv)
	if cfg.Addr == "" {
		return nil
	}
	cfg.Mount = e.envOr("PIPE_VAULT_MOUNT", "kv")
	cfg.Prefix = e.envOr("PIPE_VAULT_PREFIX", "pipe")
	v, err := secrets.NewVault(cfg)
	if err != nil {
		return nil
	}
	return v
}

func (e *env) envOr(name, def string) string {
	if v, ok := e.getenv(name); ok && v != "" {
		return v
	}
	return def
}
