package rest

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Redacted replaces a secret in text.
const Redacted = "***"

// sensitiveParams are substrings of query parameter names whose values are
// always redacted, whether or not they were registered.
var sensitiveParams = []string{"token", "key", "secret", "password", "signature", "auth", "code", "session"}

// Redactor removes secrets from text before it reaches logs or errors.
// Authenticators register every secret they apply; the client registers
// every header and query value an Authenticator sets, so authenticators
// built in other packages are covered too. A Redactor is safe for
// concurrent use; the zero value is not usable, call NewRedactor.
type Redactor struct {
	mu      sync.RWMutex
	secrets map[string]struct{} // every form of every secret
	added   map[string]struct{} // the secrets Add was given
	ordered []string            // longest first, so a secret containing another is replaced whole
}

// NewRedactor returns an empty Redactor.
func NewRedactor() *Redactor {
	return &Redactor{secrets: map[string]struct{}{}, added: map[string]struct{}{}}
}

// Add registers secret and every form it may take in a URL, a body or a
// header: URL-encoded (query and path escaping), JSON-escaped (with and
// without HTML escaping, with "/" as "\/") and base64 (standard and URL
// alphabets, padded or not). Empty strings are ignored.
func (r *Redactor) Add(secret string) {
	if r == nil || secret == "" {
		return
	}
	r.mu.RLock()
	_, known := r.added[secret]
	r.mu.RUnlock()
	if known { // the common case: the same token on every request
		return
	}
	forms := secretForms(secret)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.added[secret] = struct{}{}
	for _, f := range forms {
		r.secrets[f] = struct{}{}
	}
	r.ordered = r.ordered[:0]
	for s := range r.secrets {
		r.ordered = append(r.ordered, s)
	}
	sort.Slice(r.ordered, func(i, j int) bool {
		if len(r.ordered[i]) != len(r.ordered[j]) {
			return len(r.ordered[i]) > len(r.ordered[j])
		}
		return r.ordered[i] < r.ordered[j]
	})
}

// minEncodedSecret is the shortest encoded form of a secret registered.
const minEncodedSecret = 4

// secretForms returns secret and its encodings, without duplicates.
func secretForms(secret string) []string {
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret)}
	for _, html := range []bool{true, false} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if enc.Encode(secret) == nil {
			j := strings.TrimSpace(b.String())
			j = strings.TrimSuffix(strings.TrimPrefix(j, `"`), `"`)
			forms = append(forms, j, strings.ReplaceAll(j, "/", `\/`))
		}
	}
	raw := []byte(secret)
	forms = append(forms,
		base64.StdEncoding.EncodeToString(raw), base64.RawStdEncoding.EncodeToString(raw),
		base64.URLEncoding.EncodeToString(raw), base64.RawURLEncoding.EncodeToString(raw))
	seen := map[string]bool{}
	out := forms[:0]
	for i, f := range forms {
		// An encoding of a very short secret would hide unrelated text.
		if f != "" && !seen[f] && (i == 0 || len(f) >= minEncodedSecret) {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// IsSecret reports whether s is exactly a registered secret, in any of the
// forms Add registers. A destination uses it to refuse storing a value
// that is a credential (an API that echoes the token in a record).
func (r *Redactor) IsSecret(s string) bool {
	if r == nil || s == "" {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.secrets[s]
	return ok
}

// Contains reports whether s holds a registered secret anywhere.
func (r *Redactor) Contains(s string) bool {
	if r == nil {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, secret := range r.ordered {
		if strings.Contains(s, secret) {
			return true
		}
	}
	return false
}

// String returns s with every registered secret replaced by "***".
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, secret := range r.ordered {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, Redacted)
		}
	}
	return s
}

// URL renders u with the password of its userinfo, the values of query
// parameters whose name looks sensitive (contains token, key, secret,
// password, signature, auth, code or session, in any case) and every
// registered secret replaced by "***". The order of parameters is kept.
func (r *Redactor) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	hidePassword := false
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), Redacted)
			hidePassword = true
		}
	}
	if c.RawQuery != "" {
		pairs := strings.Split(c.RawQuery, "&")
		for i, p := range pairs {
			k, _, ok := strings.Cut(p, "=")
			if !ok {
				continue
			}
			name, err := url.QueryUnescape(k)
			if err != nil {
				name = k
			}
			if sensitiveName(name) {
				pairs[i] = k + "=" + Redacted
			}
		}
		c.RawQuery = strings.Join(pairs, "&")
	}
	s := c.String()
	if hidePassword {
		// The userinfo "***" comes out percent-encoded; it is the first
		// one in the string, put it back for readability.
		s = strings.Replace(s, "%2A%2A%2A", Redacted, 1)
	}
	return r.String(s)
}

func sensitiveName(name string) bool {
	n := strings.ToLower(name)
	for _, s := range sensitiveParams {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
