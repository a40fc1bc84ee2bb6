package broker

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// callback answers GET /v1/callback, where Snyk sends the browser after
// authorization: exchange the code with the registration's PKCE data and
// store the refresh token. No API key: the state is the credential.
func (s *server) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code, state := q.Get("code"), q.Get("state")
	if code == "" || state == "" {
		writeError(w, http.StatusBadRequest, "Invalid or expired state parameter")
		return
	}
	ctx := r.Context()
	raw, err := s.cfg.Cache.Get(ctx, pkceKey(state))
	if errors.Is(err, ErrCacheMiss) {
		writeError(w, http.StatusBadRequest, "Invalid or expired state parameter")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	// Single use: a replayed redirect finds nothing.
	if _, err := s.cfg.Cache.Delete(ctx, pkceKey(state)); err != nil {
		s.log.Warn("broker: PKCE data not deleted", "err", err)
	}
	var d pkceData
	if json.Unmarshal([]byte(raw), &d) != nil || d.CodeVerifier == "" || d.ClientID == "" || d.RedirectURI == "" || d.OrgID == "" ||
		!idPattern.MatchString(d.OrgID) || !idPattern.MatchString(d.ClientID) {
		writeError(w, http.StatusInternalServerError, "Incomplete PKCE data")
		return
	}
	region := q.Get("region")
	if region == "" {
		region = q.Get("instance")
	}
	if region == "" {
		region = d.Region
	}
	ep, err := s.cfg.Endpoints(s.regionOr(region))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if status, msg := s.checkSeal(ctx); status != 0 {
		writeError(w, status, msg)
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	unlock, err := s.cfg.Locker.Lock(rctx, cacheKey(d.OrgID, d.ClientID))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "lock: "+err.Error())
		return
	}
	defer s.unlock(unlock)
	prev, err := s.current(rctx, d.OrgID, d.ClientID)
	if err != nil {
		writeError(w, storeStatus(err), err.Error())
		return
	}
	if err := s.saveRegion(rctx, d.OrgID, d.ClientID, region); err != nil {
		writeError(w, storeStatus(err), err.Error())
		return
	}
	rot := s.rotation(ep, d.OrgID, d.ClientID, d.ClientSecret)
	tok, err := rot.Endpoint.ExchangeCode(rctx, code, d.CodeVerifier, d.RedirectURI, nil)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Failed to exchange code for tokens: "+err.Error())
		return
	}
	if tok.RefreshToken == "" {
		writeError(w, http.StatusInternalServerError, "Failed to exchange code for tokens: no refresh token in the reply")
		return
	}
	s.forget(d.OrgID, d.ClientID)
	if err := rot.Save(rctx, tok, prev); err != nil {
		s.rotationFailed(w, d.OrgID, d.ClientID, prev, err)
		return
	}
	s.cacheToken(rctx, cacheKey(d.OrgID, d.ClientID), tok, d.ClientSecret)
	writeJSON(w, http.StatusOK, map[string]string{
		"message": "Successfully authenticated and stored credentials",
		"org_id":  d.OrgID, "client_id": d.ClientID,
	})
}
