package credentials

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
)

// LogoutConfig configures Logout.
type LogoutConfig struct {
	// RevokeURL, if set, is where stored tokens are revoked (RFC 7009 form
	// POST with client_id, client_secret and token; Snyk's /oauth2/revoke).
	RevokeURL    string
	ClientID     string
	ClientSecret string
	Credential   string
	Store        secrets.Writer
	HTTPClient   *http.Client
	// Force deletes the stored tokens even when revocation fails.
	Force bool
	// RecoveryDir and FallbackRecoveryDir are searched for a recovered
	// refresh token newer than the stored one (see Rotation.Recover): it
	// is revoked too, and its recovery files are deleted with the tokens.
	RecoveryDir, FallbackRecoveryDir string
}

// Logout revokes the stored refresh token (and cached access token) at
// RevokeURL when configured, then deletes both from the store. If
// revocation fails, nothing is deleted unless Force is set: a token that
// still works should not be forgotten before it is revoked.
func Logout(ctx context.Context, cfg LogoutConfig) error {
	if cfg.Credential == "" || cfg.Store == nil {
		return errors.New("logout: credential name and store are required")
	}
	rtName, atName := RefreshTokenName(cfg.Credential), AccessTokenName(cfg.Credential)
	rt, err := cfg.Store.Get(ctx, rtName)
	if err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return fmt.Errorf("logout %q: %w", cfg.Credential, err)
	}
	dirs := Rotation{RecoveryDir: cfg.RecoveryDir, FallbackDir: cfg.FallbackRecoveryDir}.dirs()
	newest, chain := newestRecovered(findRecovered(dirs, cfg.Credential), rt)
	if cfg.RevokeURL != "" {
		var toRevoke []string
		if rt != "" {
			toRevoke = append(toRevoke, rt)
		}
		if newest != rt {
			toRevoke = append(toRevoke, newest)
		}
		if c, ok, err := readCached(ctx, cfg.Store, atName); err == nil && ok {
			toRevoke = append(toRevoke, c.Token)
		}
		for _, tok := range toRevoke {
			if err := revoke(ctx, cfg, tok); err != nil {
				if !cfg.Force {
					return fmt.Errorf("logout %q: %w; nothing was deleted (force to delete anyway)", cfg.Credential, err)
				}
			}
		}
	}
	for _, name := range []string{rtName, atName} {
		if err := cfg.Store.Delete(ctx, name); err != nil {
			return fmt.Errorf("logout %q: delete %s: %w", cfg.Credential, name, err)
		}
	}
	for _, f := range chain {
		if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("logout %q: %w", cfg.Credential, err)
		}
	}
	return nil
}

// revoke posts one token to the revoke endpoint.
func revoke(ctx context.Context, cfg LogoutConfig, token string) error {
	form := url.Values{"client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret}, "token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.RevokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revoke at %s: bad address", cfg.RevokeURL)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("revoke at %s: %w", cfg.RevokeURL, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("revoke at %s: %s", cfg.RevokeURL, resp.Status)
	}
	return nil
}
