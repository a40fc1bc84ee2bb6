package broker

import "net/http"

// deleteCache answers DELETE /v1/cache: drop the pair's cached access token.
func (s *server) deleteCache(w http.ResponseWriter, r *http.Request) {
	_, v, ok := input(w, r, "org_id", "client_id")
	if !ok {
		return
	}
	if _, err := s.cfg.Cache.Delete(r.Context(), secretKey(cacheKey(v[0], v[1]))); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	existed, err := s.cfg.Cache.Delete(r.Context(), cacheKey(v[0], v[1]))
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if existed {
		writeMessage(w, "Auth token deleted.")
		return
	}
	writeMessage(w, "Auth token not found.")
}
