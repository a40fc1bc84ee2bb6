package fakecore

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
)

// The token endpoints of the fakes (Snyk's OAuth2 server, Checkmarx's
// password grant) speak RFC 6749: form-encoded requests, JSON errors.

// WriteOAuthError writes an RFC 6749 error document (section 5.2) with
// the given status and error code.
func WriteOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// ReadForm parses an application/x-www-form-urlencoded body; on failure
// it has called errCode, which writes the 400.
func ReadForm(w http.ResponseWriter, r *http.Request, errCode func(http.ResponseWriter, string)) (url.Values, bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		errCode(w, "Content-Type must be application/x-www-form-urlencoded")
		return nil, false
	}
	if err := r.ParseForm(); err != nil {
		errCode(w, "malformed form body")
		return nil, false
	}
	return r.PostForm, true
}

// RandomToken returns prefix followed by 24 random bytes, base64url.
func RandomToken(prefix string) string {
	b := make([]byte, 24)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}
