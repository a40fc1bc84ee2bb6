package snykoauth

import (
	"net/http"
	"net/url"
)

// The RFC 6749 helpers below are exported for the other fakes of
// examples/fakeapi (Checkmarx's password grant answers with the same
// error shape), so the helpers live in one place.

// WriteError writes an RFC 6749 error document with the given status
// and error code.
func WriteError(w http.ResponseWriter, status int, code, desc string) {
	writeOAuthError(w, status, code, desc)
}

// ReadForm parses an application/x-www-form-urlencoded body; on failure
// it has called errCode, which writes the 400.
func ReadForm(w http.ResponseWriter, r *http.Request, errCode func(http.ResponseWriter, string)) (url.Values, bool) {
	return readForm(w, r, errCode)
}

// RandomToken returns prefix followed by 24 random bytes, base64url.
func RandomToken(prefix string) string { return randomToken(prefix) }
