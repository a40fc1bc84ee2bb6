package credentials

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
)

// CredentialStatus says what is stored for a credential, never the values.
type CredentialStatus struct {
	Credential string
	// RefreshToken is true when a refresh token is stored; Where says where.
	RefreshToken bool
	Where        string
	// AccessToken is true when an access token is cached; Expiry is its
	// expiry (zero: none given).
	AccessToken bool
	Expiry      time.Time
}

// Status reads what store holds for credential under the default names.
func Status(ctx context.Context, store secrets.Store, credential string) (CredentialStatus, error) {
	st := CredentialStatus{Credential: credential, Where: describe(store, RefreshTokenName(credential))}
	_, err := store.Get(ctx, RefreshTokenName(credential))
	switch {
	case err == nil:
		st.RefreshToken = true
	case !errors.Is(err, secrets.ErrNotFound):
		return st, fmt.Errorf("credential %q: %w", credential, err)
	}
	c, ok, err := readCached(ctx, store, AccessTokenName(credential))
	if err != nil {
		return st, fmt.Errorf("credential %q: %w", credential, err)
	}
	st.AccessToken, st.Expiry = ok, c.Expiry
	return st, nil
}

// Format renders the status for a person, with times relative to now.
func (s CredentialStatus) Format(now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "credential %s\n", s.Credential)
	if s.RefreshToken {
		fmt.Fprintf(&b, "  refresh token: stored in %s\n", s.Where)
	} else {
		fmt.Fprintf(&b, "  refresh token: none (run pipe auth login %s)\n", s.Credential)
	}
	switch {
	case !s.AccessToken:
		b.WriteString("  access token: none cached\n")
	case s.Expiry.IsZero():
		b.WriteString("  access token: cached, no expiry given\n")
	case now.Before(s.Expiry):
		fmt.Fprintf(&b, "  access token: cached, expires %s (in %s)\n", s.Expiry.UTC().Format(time.RFC3339), s.Expiry.Sub(now).Round(time.Second))
	default:
		fmt.Fprintf(&b, "  access token: cached, expired %s\n", s.Expiry.UTC().Format(time.RFC3339))
	}
	return b.String()
}
