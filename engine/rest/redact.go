package rest

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
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
//
// Contains runs on every text value of every record (normalize keeps
// credentials out of the rows), so the secrets are kept in an immutable
// set swapped whole by Add: a reader takes no lock, a text shorter than
// every secret costs one comparison, and a longer one is searched for the
// rarest byte of each secret (an upper-case letter or a symbol more often
// than not), with SIMD strings.IndexByte, and compared only where it is.
type Redactor struct {
	mu  sync.Mutex // serialises Add
	set atomic.Pointer[secretSet]
}

// secretSet is the registered secrets, never changed once published.
type secretSet struct {
	added   map[string]struct{} // the secrets Add was given
	forms   map[string]struct{} // every form of every secret
	ordered []string            // longest first, so a secret containing another is replaced whole
	minLen  int                 // the shortest form's length
	anchors []anchor            // by anchor byte, each byte once
}

// anchor is the forms searched for by one of their bytes: the byte of
// each form that is rarest in API data, so that a search stops at few
// places.
type anchor struct {
	c     byte
	forms []anchored
}

type anchored struct {
	form string
	at   int // the position of the anchor byte in form
}

// NewRedactor returns an empty Redactor.
func NewRedactor() *Redactor {
	r := &Redactor{}
	r.set.Store(&secretSet{added: map[string]struct{}{}, forms: map[string]struct{}{}})
	return r
}

// Add registers secret and every form it may take in a URL, a body or a
// header: URL-encoded (query and path escaping), JSON-escaped (with and
// without HTML escaping, with "/" as "\/") and base64 (standard and URL
// alphabets, padded or not). Empty strings are ignored.
func (r *Redactor) Add(secret string) {
	if r == nil || secret == "" {
		return
	}
	if _, known := r.set.Load().added[secret]; known { // the common case: the same token on every request
		return
	}
	forms := secretForms(secret)
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.set.Load()
	if _, known := old.added[secret]; known {
		return
	}
	next := &secretSet{added: maps.Clone(old.added), forms: maps.Clone(old.forms)}
	next.added[secret] = struct{}{}
	for _, f := range forms {
		next.forms[f] = struct{}{}
	}
	for f := range next.forms {
		next.ordered = append(next.ordered, f)
	}
	sort.Slice(next.ordered, func(i, j int) bool {
		if len(next.ordered[i]) != len(next.ordered[j]) {
			return len(next.ordered[i]) > len(next.ordered[j])
		}
		return next.ordered[i] < next.ordered[j]
	})
	next.minLen = len(next.ordered[len(next.ordered)-1])
	for _, f := range next.ordered {
		at := rarestByte(f)
		i := slices.IndexFunc(next.anchors, func(a anchor) bool { return a.c == f[at] })
		if i < 0 {
			i = len(next.anchors)
			next.anchors = append(next.anchors, anchor{c: f[at]})
		}
		next.anchors[i].forms = append(next.anchors[i].forms, anchored{form: f, at: at})
	}
	r.set.Store(next)
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
	_, ok := r.set.Load().forms[s]
	return ok
}

// Contains reports whether s holds a registered secret anywhere.
func (r *Redactor) Contains(s string) bool {
	if r == nil {
		return false
	}
	set := r.set.Load()
	if len(set.ordered) == 0 || len(s) < set.minLen {
		return false
	}
	for _, a := range set.anchors {
		for i := 0; i < len(s); {
			j := strings.IndexByte(s[i:], a.c)
			if j < 0 {
				break
			}
			i += j
			for _, f := range a.forms {
				if start := i - f.at; start >= 0 && start+len(f.form) <= len(s) && s[start:start+len(f.form)] == f.form {
					return true
				}
			}
			i++
		}
	}
	return false
}

// rarestByte returns the position of the byte of s least frequent in
// API data (JSON punctuation, lower-case words, digits and ids are
// frequent; upper case and other symbols are not).
func rarestByte(s string) int {
	best, at := 1<<30, 0
	for i := 0; i < len(s); i++ {
		if f := byteFrequency(s[i]); f < best {
			best, at = f, i
		}
	}
	return at
}

// byteFrequency ranks how often c occurs in API responses, higher for
// more often: only the order matters, for speed, never for the result.
func byteFrequency(c byte) int {
	const letters = "zqjxkvbpygfwmucldrhsnioate" // English, rarest first
	switch {
	case 'a' <= c && c <= 'z':
		return 10 + strings.IndexByte(letters, c)
	case '0' <= c && c <= '9':
		return 30
	case strings.IndexByte(` ":,-_./`, c) >= 0:
		return 40
	case 'A' <= c && c <= 'Z':
		return 5
	}
	return 0
}

// String returns s with every registered secret replaced by "***".
func (r *Redactor) String(s string) string { return r.Replace(s, Redacted) }

// Replace returns s with every registered secret, in every form Add
// registers, replaced by with.
func (r *Redactor) Replace(s, with string) string {
	if !r.Contains(s) {
		return s
	}
	for _, secret := range r.set.Load().ordered {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, with)
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
