// Package broker is pipe's token broker ("pipe auth serve"): an HTTP
// service compatible with snykey (github.com/Will-Hellinger/snykey) that
// holds Snyk Apps refresh tokens in a pipe secrets store (Vault/OpenBao
// KV v2 or the secrets file) and hands out access tokens.
//
// Routes (all inputs may come from the query string, as snykey takes
// them, or from a form or JSON body; X-API-Key is required except on the
// callback):
//
//	PUT    /v1/credentials  org_id, client_id, client_secret, refresh_key
//	GET    /v1/credentials  org_id, client_id, client_secret -> {"access_token"}
//	DELETE /v1/credentials  org_id, client_id
//	DELETE /v1/cache        org_id, client_id
//	POST   /v1/register-app name, scopes, redirect_uris (CSV), org_id, auth_token [, region]
//	GET    /v1/callback     code, state [, instance | region]
//
// Replies are JSON; errors are {"error": "..."}, except missing or
// invalid parameters: 422 {"detail":[{"type","loc","msg","input"}]} as
// snykey's FastAPI answers, and 413 for a body over 64 KiB. Refresh tokens live at
// "snyk/{org_id}/{client_id}#refresh_token" in the store (for Vault:
// kv/data/snyk/{org_id}/{client_id}, field refresh_token, as snykey).
// Access tokens are cached under "snyk:{org}:{client}" for
// min(CacheTime, expires_in); PKCE data under "pkce:{state}".
//
// Where snykey loses tokens or races, the broker does not:
//   - every refresh runs under a lock on the org/client pair, and re-reads
//     the cache and the store inside it, so concurrent GETs cause one
//     refresh at Snyk (replicas share a RedisLocker, else the vault's lock);
//   - the rotated refresh token is written to the store before the access
//     token is handed out; if the write fails (a sealed vault, a denied
//     path) the reply is 503 or 500 with a message naming the recovery
//     file holding the new token, the token is also kept in memory, and
//     the next request for that pair stores it before anything else; a
//     restarted broker finds the recovery file in its recovery directory and
//     does the same;
//   - a cached access token goes only to a caller presenting the client
//     secret that obtained it (its SHA-256 is cached beside it);
//   - PUT checks the seal before spending the supplied refresh key;
//   - the Snyk region is configurable, and the callback honours the
//     region Snyk sends (instance) or the one given at registration,
//     among Snyk's own hosts only; or the operator fixes the hosts
//     (FixedEndpoints) for a proxy, a single-tenant install or a fake.
package broker
