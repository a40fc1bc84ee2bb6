package broker

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/credentials/secrets"
	"golang.org/x/oauth2"
)

// refreshTimeout bounds a refresh and its store write, which go on even
// if the client hangs up: a spent refresh token's successor must be stored.
const refreshTimeout = 60 * time.Second

// getCredentials answers GET /v1/credentials: a cached access token, or a
// refresh under the pair's lock.
func (s *server) getCredentials(w http.ResponseWriter, r *http.Request) {
	q, v, ok := input(w, r, "org_id", "client_id", "client_secret")
	if !ok {
		return
	}
	org, client, secret := v[0], v[1], v[2]
	ctx := r.Context()
	key := cacheKey(org, client)
	if tok, ok := s.cached(ctx, key, secret); ok {
		writeJSON(w, http.StatusOK, map[string]string{"access_token": tok})
		return
	}
	unlock, err := s.cfg.Locker.Lock(ctx, key)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "lock: "+err.Error())
		return
	}
	defer s.unlock(unlock)
	// Another request may have refreshed while this one waited.
	if tok, ok := s.cached(ctx, key, secret); ok {
		writeJSON(w, http.StatusOK, map[string]string{"access_token": tok})
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	if status, err := s.flush(rctx, org, client); err != nil {
		writeError(w, status, err.Error())
		return
	}
	rt, err := s.current(rctx, org, client)
	if err != nil {
		writeError(w, storeStatus(err), err.Error())
		return
	}
	ep, err := s.endpointsFor(rctx, org, client, q.Get("region"))
	if err != nil {
		writeError(w, storeStatus(err), err.Error())
		return
	}
	rot := s.rotation(ep, org, client, secret)
	// A token rotated before a failed store write (by this broker before
	// a restart, or by another replica) is newer than the stored one.
	recovered, err := rot.Recover(rctx, rt)
	var left *credentials.StaleRecoveryError
	switch {
	case errors.As(err, &left):
		s.log.Warn("broker: recovery file left behind", "org_id", org, "client_id", client, "err", err)
	case err != nil:
		writeError(w, storeStatus(err), err.Error())
		return
	}
	if recovered != rt {
		s.log.Info("broker: recovered refresh token stored", "org_id", org, "client_id", client)
		rt = recovered
	}
	if rt == "" {
		writeError(w, http.StatusNotFound, "No refresh key found for org/client")
		return
	}
	tok, err := rot.Rotate(rctx, rt)
	if err != nil {
		s.rotationFailed(w, org, client, rt, err)
		return
	}
	s.cacheToken(rctx, key, tok, secret)
	writeJSON(w, http.StatusOK, map[string]string{"access_token": tok.AccessToken})
}

// putCredentials answers PUT /v1/credentials: spend the supplied refresh
// key at once (so nobody else can) and store its successor.
func (s *server) putCredentials(w http.ResponseWriter, r *http.Request) {
	q, v, ok := input(w, r, "org_id", "client_id", "client_secret", "refresh_key")
	if !ok {
		return
	}
	org, client, secret, key := v[0], v[1], v[2], v[3]
	region := q.Get("region")
	ep, err := s.cfg.Endpoints(s.regionOr(region))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx := r.Context()
	if status, msg := s.checkSeal(ctx); status != 0 {
		writeError(w, status, msg)
		return
	}
	unlock, err := s.cfg.Locker.Lock(ctx, cacheKey(org, client))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "lock: "+err.Error())
		return
	}
	defer s.unlock(unlock)
	s.forget(org, client) // the new key supersedes any pending one
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	// Read before spending anything: a store that cannot be read will
	// not take the write either, and the read brings the store's view
	// of the secret's version up to date for the check-and-set.
	prev, err := s.current(rctx, org, client)
	if err != nil {
		writeError(w, storeStatus(err), err.Error())
		return
	}
	if err := s.saveRegion(rctx, org, client, region); err != nil {
		writeError(w, storeStatus(err), err.Error())
		return
	}
	rot := s.rotation(ep, org, client, secret)
	tok, err := rot.Endpoint.Refresh(rctx, key)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	// Save even if the provider did not rotate: the key must be stored.
	if err := rot.Save(rctx, tok, prev); err != nil {
		s.rotationFailed(w, org, client, prev, err)
		return
	}
	s.cacheToken(rctx, cacheKey(org, client), tok, secret)
	writeMessage(w, "Credentials stored.")
}

// deleteCredentials answers DELETE /v1/credentials: the cached token and
// every stored version of the pair's secret.
func (s *server) deleteCredentials(w http.ResponseWriter, r *http.Request) {
	_, v, ok := input(w, r, "org_id", "client_id")
	if !ok {
		return
	}
	org, client := v[0], v[1]
	ctx := r.Context()
	unlock, err := s.cfg.Locker.Lock(ctx, cacheKey(org, client))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "lock: "+err.Error())
		return
	}
	defer s.unlock(unlock)
	s.forget(org, client)
	if err := s.uncache(ctx, cacheKey(org, client)); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	// The region first: deleting the last field then removes every
	// version, old refresh tokens included.
	for _, name := range []string{regionName(org, client), refreshName(org, client)} {
		if err := s.cfg.Store.Delete(ctx, name); err != nil {
			writeError(w, storeStatus(err), err.Error())
			return
		}
	}
	writeMessage(w, "Credentials deleted.")
}

// rotation builds the refresh-and-store step for one pair.
func (s *server) rotation(ep Endpoints, org, client, secret string) credentials.Rotation {
	return credentials.Rotation{
		Endpoint:    credentials.TokenEndpoint{URL: ep.Token, ClientID: client, ClientSecret: secret, HTTPClient: s.cfg.HTTPClient},
		Store:       s.cfg.Store,
		Name:        refreshName(org, client),
		Label:       label(org, client),
		RecoveryDir: s.cfg.RecoveryDir,
		FallbackDir: s.cfg.FallbackRecoveryDir,
		Now:         s.cfg.Now,
	}
}

// rotationFailed answers a failed refresh or store; a rotated token that
// was not stored is kept for the next request. prev is what the store
// held before (the token it must replace).
func (s *server) rotationFailed(w http.ResponseWriter, org, client, prev string, err error) {
	var rerr *credentials.RotationError
	if errors.As(err, &rerr) {
		s.keep(org, client, prev, rerr)
		writeError(w, storeStatus(err), err.Error())
		return
	}
	var te *credentials.TokenError
	if errors.As(err, &te) && te.Code == "invalid_client" {
		// Snyk refused the caller's client credentials; nothing was spent.
		writeError(w, http.StatusUnauthorized, err.Error())
		return
	}
	writeError(w, http.StatusInternalServerError, err.Error())
}

// current reads the pair's stored refresh token ("" if there is none).
func (s *server) current(ctx context.Context, org, client string) (string, error) {
	rt, err := s.cfg.Store.Get(ctx, refreshName(org, client))
	if errors.Is(err, secrets.ErrNotFound) {
		return "", nil
	}
	return rt, err
}

// cached returns a cached access token, only to a caller whose client
// secret hashes to the one cached with it (compared in constant time): a
// caller who knows the ids but not the secret gets a miss, and the miss
// goes to Snyk, which refuses the wrong secret. Cache errors count as a miss.
func (s *server) cached(ctx context.Context, key, secret string) (string, bool) {
	want, err := s.cfg.Cache.Get(ctx, secretKey(key))
	if err == nil {
		var tok string
		tok, err = s.cfg.Cache.Get(ctx, key)
		if err == nil && subtle.ConstantTimeCompare([]byte(secretHash(secret)), []byte(want)) == 1 {
			return tok, true
		}
	}
	if err != nil && !errors.Is(err, ErrCacheMiss) {
		s.log.Warn("broker: cache read", "err", err)
	}
	return "", false
}

// cacheToken caches an access token, and the hash of the client secret
// that obtained it, for min(CacheTime, expires_in). A cache failure is
// logged, not returned: the token is valid and its refresh token is
// stored, so the caller still gets it.
func (s *server) cacheToken(ctx context.Context, key string, tok *oauth2.Token, secret string) {
	ttl := s.cfg.CacheTime
	if !tok.Expiry.IsZero() {
		if left := tok.Expiry.Sub(s.cfg.Now()); left < ttl {
			ttl = left
		}
	}
	if ttl <= 0 {
		return
	}
	err := s.cfg.Cache.Set(ctx, secretKey(key), secretHash(secret), ttl)
	if err == nil {
		err = s.cfg.Cache.Set(ctx, key, tok.AccessToken, ttl)
	}
	if err != nil {
		s.log.Warn("broker: access token not cached", "err", err)
	}
}

// uncache drops a cached access token and its secret hash.
func (s *server) uncache(ctx context.Context, key string) error {
	if _, err := s.cfg.Cache.Delete(ctx, secretKey(key)); err != nil {
		return err
	}
	_, err := s.cfg.Cache.Delete(ctx, key)
	return err
}

// checkSeal returns a status and message if the store is sealed or its
// seal status cannot be read; 0 if it is usable.
func (s *server) checkSeal(ctx context.Context) (int, string) {
	sc, ok := s.cfg.Store.(secrets.SealChecker)
	if !ok {
		return 0, ""
	}
	sealed, err := sc.Sealed(ctx)
	if err != nil {
		return http.StatusServiceUnavailable, "cannot read the vault's seal status, nothing was done: " + err.Error()
	}
	if sealed {
		return http.StatusServiceUnavailable, "Vault is sealed, cannot store credentials."
	}
	return 0, ""
}

func (s *server) unlock(unlock func() error) {
	if err := unlock(); err != nil {
		s.log.Warn("broker: lock release", "err", err)
	}
}
