package cassette

import (
	"net/http"
	"net/url"
	"regexp"

	"github.com/pipe-etl/pipe/engine/rest"
)

// Redacted replaces every secret in a cassette.
const Redacted = "REDACTED"

// secretHeaders are removed from every recorded request and response.
var secretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key"}

// tokenFields are JSON fields whose values are credentials (OAuth token responses).
var tokenFields = regexp.MustCompile(`("(?:access_token|refresh_token|id_token|client_secret|password)"\s*:\s*)"[^"]*"`)

// redactor removes credentials from interactions.
type redactor struct {
	secrets *rest.Redactor // the run's: every secret it used, in every form
	headers map[string]bool
	query   map[string]bool
}

func newRedactor(secrets *rest.Redactor, headers, query []string) *redactor {
	r := &redactor{secrets: secrets, headers: map[string]bool{}, query: map[string]bool{}}
	for _, h := range append(append([]string(nil), secretHeaders...), headers...) {
		r.headers[http.CanonicalHeaderKey(h)] = true
	}
	for _, q := range query {
		r.query[q] = true
	}
	return r
}

// text replaces every secret value in s.
func (r *redactor) text(s string) string { return r.secrets.Replace(s, Redacted) }

// body redacts secret values and token fields.
func (r *redactor) body(s string) string {
	return tokenFields.ReplaceAllString(r.text(s), `$1"`+Redacted+`"`)
}

// url drops the auth's query parameters, sorts the rest and redacts values.
func (r *redactor) url(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return r.text(raw)
	}
	q := u.Query()
	for name := range q {
		if r.query[name] {
			q.Del(name)
		}
	}
	u.RawQuery = q.Encode()
	u.User = nil
	return r.text(u.String())
}

// header returns h without secret headers, values redacted.
func (r *redactor) header(h http.Header) http.Header {
	out := http.Header{}
	for k, vs := range h {
		if r.headers[http.CanonicalHeaderKey(k)] {
			continue
		}
		for _, v := range vs {
			out.Add(k, r.text(v))
		}
	}
	return out
}

// form returns f without the auth's parameters, values redacted.
func (r *redactor) form(f url.Values) url.Values {
	if f == nil {
		return nil
	}
	out := url.Values{}
	for k, vs := range f {
		if r.query[k] {
			continue
		}
		for _, v := range vs {
			out.Add(k, r.body(v))
		}
	}
	return out
}
