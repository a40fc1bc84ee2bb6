package secrets

import (
	"context"
	"errors"
)

// Errors that writable stores classify their failures with. Callers test
// them with errors.Is; the wrapping error says which store and which name.
var (
	// ErrConflict is returned by Put when the secret changed since this
	// store last read it (a Vault check-and-set mismatch): someone else
	// wrote a newer version, and the caller must re-read before writing.
	ErrConflict = errors.New("secret changed since it was read")
	// ErrSealed is returned when the vault is sealed or in maintenance
	// (HTTP 503). Nothing was read or written; the caller keeps any value
	// it meant to write and reports where it can be recovered.
	ErrSealed = errors.New("vault is sealed")
	// ErrForbidden is returned when the store refuses access (a bad
	// token, or a policy that does not grant the path).
	ErrForbidden = errors.New("permission denied")
	// ErrInsecure is returned when a secrets file can be read by other
	// users; it is refused rather than trusted.
	ErrInsecure = errors.New("secrets file is readable by others")
)

// Writer is a Store that pipe can also write: refresh tokens that rotate
// on every use and cached access tokens are stored back through it.
//
// Put replaces the value of name, creating it if needed. It returns only
// once the value is durable (fsynced to disk, or acknowledged by the
// vault); an error means the value may not have been stored and the
// caller still holds the only copy. Delete removes name; deleting a name
// that does not exist is not an error. Both are safe for concurrent use
// within a process; across processes callers serialise with a lock
// (credentials.Locker).
type Writer interface {
	Store
	Put(ctx context.Context, name, value string) error
	Delete(ctx context.Context, name string) error
}

// SealChecker is implemented by stores that can be sealed (Vault and
// OpenBao). Callers that are about to do something irreversible, such as
// spending a single-use refresh token, ask first; stores that do not
// implement it are never sealed.
type SealChecker interface {
	// Sealed reports whether the store is sealed. An error means the
	// status could not be read.
	Sealed(ctx context.Context) (bool, error)
}

// Describer is implemented by stores that can say where they keep a
// secret, for messages such as "refresh token stored in vault at
// https://bao:8200 (kv/data/snyk/...)". The description never holds a value.
type Describer interface {
	Describe(name string) string
}
