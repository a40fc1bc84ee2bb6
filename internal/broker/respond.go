package broker

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/pipe-etl/pipe/credentials/secrets"
)

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError writes {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// writeMessage writes 200 {"message": msg}.
func writeMessage(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusOK, map[string]string{"message": msg})
}

// storeStatus maps a store error to a status: 503 for a sealed vault, 500 otherwise.
func storeStatus(err error) int {
	if errors.Is(err, secrets.ErrSealed) {
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
