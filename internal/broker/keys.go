package broker

import (
	"crypto/sha256"
	"encoding/hex"
)

// Names of one org/client pair in the store, the cache and the locker.

// refreshName is where the refresh token is stored: snykey's Vault layout
// kv/data/snyk/{org}/{client}, field refresh_token.
func refreshName(org, client string) string { return "snyk/" + org + "/" + client + "#refresh_token" }

// regionName is where a non-default region is stored, beside the token.
func regionName(org, client string) string { return "snyk/" + org + "/" + client + "#region" }

// cacheKey is the access token's cache key, snykey's; it also names the lock.
func cacheKey(org, client string) string { return "snyk:" + org + ":" + client }

// secretKey is where the hash of the client secret that obtained the
// access token under key is cached, beside it.
func secretKey(key string) string { return "secret-sha256:" + key }

// secretHash identifies a client secret without revealing it.
func secretHash(secret string) string {
	sum := sha256.Sum256([]byte("pipe broker client secret\x00" + secret))
	return hex.EncodeToString(sum[:])
}

// pkceKey is the cache key of a registration's PKCE data.
func pkceKey(state string) string { return "pkce:" + state }

// label names the pair in recovery file names.
func label(org, client string) string { return "snyk-" + org + "-" + client }
