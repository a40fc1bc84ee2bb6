package credentials

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"golang.org/x/oauth2"
)

// ErrNotStored matches a *RotationError: a refresh token was rotated at
// the provider but could not be written to the store.
var ErrNotStored = errors.New("rotated refresh token not stored")

// storeTimeout bounds the write of a rotated token.
const storeTimeout = 30 * time.Second

// Rotation spends a refresh token and stores its replacement before
// anyone can use the new access token. It does no locking: callers hold
// the credential's lock around reading the current token and Rotate.
type Rotation struct {
	Endpoint TokenEndpoint
	// Store and Name say where the refresh token lives.
	Store secrets.Writer
	Name  string
	// Label names the credential in messages and recovery file names.
	Label string
	// RecoveryDir is where a rotated token that the store did not take
	// is saved first; default DefaultRecoveryDir. FallbackDir, if set, is
	// tried when RecoveryDir cannot take it (see FallbackRecoveryDir).
	// Recover searches both.
	RecoveryDir, FallbackDir string
	// Now defaults to time.Now.
	Now func() time.Time
}

// Rotate refreshes refreshToken. If the provider returned a new refresh
// token, Rotate writes it to the store and only then returns the token.
// If that write fails, the new refresh token is written to a recovery
// file and Rotate returns a *RotationError naming the file (and holding
// the token, so a long-running caller can keep it in memory); the
// returned token is nil, so the new access token is not used by mistake.
func (r Rotation) Rotate(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	tok, err := r.Endpoint.Refresh(ctx, refreshToken)
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken == "" || tok.RefreshToken == refreshToken {
		return tok, nil // the provider does not rotate
	}
	if err := r.Save(ctx, tok, refreshToken); err != nil {
		return nil, err
	}
	return tok, nil
}

// Save stores a refresh token obtained some other way (a login, or a
// retry of a failed write) with the same recovery guarantee as Rotate;
// replaces is the refresh token it succeeds ("" if unknown), recorded in
// a recovery file so that Recover can tell it is newer than the store's.
//
// The write is not cancelled with ctx: once a token is spent, its
// replacement must be stored even if the caller has given up.
func (r Rotation) Save(ctx context.Context, tok *oauth2.Token, replaces string) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := r.Store.Put(wctx, r.Name, tok.RefreshToken); err != nil {
		return r.recover(tok, replaces, err)
	}
	return nil
}

func (r Rotation) recover(tok *oauth2.Token, replaces string, storeErr error) error {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	path, rerr := writeRecovery(r.dirs(), r.Label, tok.RefreshToken, replaces, now())
	return &RotationError{
		Credential:   r.Label,
		Where:        describe(r.Store, r.Name),
		RecoveryPath: path,
		RecoveryErr:  rerr,
		Err:          storeErr,
		Token:        tok,
	}
}

// RotationError reports a refresh token that the provider rotated but
// the store did not take. The old token is dead; the new one is in the
// recovery file at RecoveryPath (unless RecoveryErr says that failed too)
// and in Token, which Error never prints.
type RotationError struct {
	Credential   string
	Where        string // where it should have been stored
	RecoveryPath string // "" if the recovery file could not be written
	RecoveryErr  error
	Err          error // the store's error
	Token        *oauth2.Token
}

// Error says what happened and where the token can be recovered from.
func (e *RotationError) Error() string {
	s := fmt.Sprintf("credential %q: the refresh token was rotated but storing the new one in %s failed: %v; ", e.Credential, e.Where, e.Err)
	if e.RecoveryPath != "" {
		return s + fmt.Sprintf("the new refresh token was saved to %s (mode 0600); the next run stores and uses it once %s is writable, and then deletes the file", e.RecoveryPath, e.Where)
	}
	return s + fmt.Sprintf("writing a recovery file failed too (%v), so the new refresh token is lost: log in again", e.RecoveryErr)
}

// Unwrap returns the store's error (so errors.Is(err, secrets.ErrSealed) works).
func (e *RotationError) Unwrap() error { return e.Err }

// Is matches ErrNotStored.
func (e *RotationError) Is(target error) bool { return target == ErrNotStored }
