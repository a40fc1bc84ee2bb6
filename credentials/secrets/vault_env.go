package secrets

import "os"

// VaultConfigFromEnv reads the address and token from the environment:
// VAULT_ADDR, then BAO_ADDR, then OPENBAO_ADDR (snykey's name); VAULT_TOKEN,
// then BAO_TOKEN, then OPENBAO_TOKEN; and VAULT_NAMESPACE or BAO_NAMESPACE.
// lookup defaults to os.LookupEnv. Other fields are left for the caller.
func VaultConfigFromEnv(lookup func(string) (string, bool)) VaultConfig {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	first := func(names ...string) string {
		for _, n := range names {
			if v, ok := lookup(n); ok && v != "" {
				return v
			}
		}
		return ""
	}
	return VaultConfig{
		Addr:      first("VAULT_ADDR", "BAO_ADDR", "OPENBAO_ADDR"),
		Token:     first("VAULT_TOKEN", "BAO_TOKEN", "OPENBAO_TOKEN"),
		Namespace: first("VAULT_NAMESPACE", "BAO_NAMESPACE"),
	}
}
