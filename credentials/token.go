package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
)

// RefreshTokenName is the store name of a credential's refresh token.
func RefreshTokenName(credential string) string { return credential + ".refresh_token" }

// AccessTokenName is the store name of a credential's cached access token.
func AccessTokenName(credential string) string { return credential + ".access_token" }

// CachedToken is an access token as cached in the store under
// AccessTokenName, shared between runs: JSON {"token":..., "expiry":...}.
// A zero Expiry means the provider gave no lifetime: the token is used
// until the API rejects it.
type CachedToken struct {
	Token  string    `json:"token"`
	Expiry time.Time `json:"expiry,omitzero"`
}

// Valid reports whether the token can still be used at now with skew to spare.
func (c CachedToken) Valid(now time.Time, skew time.Duration) bool {
	return c.Token != "" && (c.Expiry.IsZero() || now.Add(skew).Before(c.Expiry))
}

// readCached reads the cached access token; ok is false when there is
// none or it cannot be decoded (a cache, not a source of truth).
func readCached(ctx context.Context, store secrets.Store, name string) (c CachedToken, ok bool, err error) {
	raw, err := store.Get(ctx, name)
	if errors.Is(err, secrets.ErrNotFound) {
		return CachedToken{}, false, nil
	}
	if err != nil {
		return CachedToken{}, false, err
	}
	if err := json.Unmarshal([]byte(raw), &c); err != nil || c.Token == "" {
		return CachedToken{}, false, nil
	}
	return c, true, nil
}

// writeCached stores the access token cache.
func writeCached(ctx context.Context, store secrets.Writer, name string, c CachedToken) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode cached token: %w", err)
	}
	return store.Put(ctx, name, string(b))
}

// describe says where a store keeps name, without values.
func describe(store secrets.Store, name string) string {
	if d, ok := store.(secrets.Describer); ok {
		return d.Describe(name)
	}
	return fmt.Sprintf("the secrets store (key %q)", name)
}
