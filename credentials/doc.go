// Package credentials keeps OAuth2 credentials that rotate: it refreshes
// access tokens, stores each rotated refresh token back before using the
// new access token, and serialises refreshes across goroutines and
// processes with a Locker, so a crash or a race never loses access.
//
// Authenticators (engine/rest.Authenticator and rest.Refresher):
//
//   - OAuth2RefreshToken (auth type oauth2_refresh_token): refresh token
//     under "<credential>.refresh_token" in a secrets.Writer, cached access
//     token under "<credential>.access_token" as JSON {token, expiry}.
//   - TokenBroker (auth type token_broker): asks a snykey-compatible broker
//     (internal/broker, or snykey itself) for an access token.
//
// Interactive use: Login (authorization code + PKCE through a loopback
// redirect), Status and Logout.
//
// Locks: LocalLocker (one process), FileLocker (flock, across processes
// on one machine), RedisLocker (SET NX PX with a safe release, for the
// broker), and *secrets.Vault itself (a check-and-set lock entry in the
// vault, across every machine that shares it). A destination's advisory
// lock (destinations.AdvisoryLocker, Postgres) has the same method.
package credentials
