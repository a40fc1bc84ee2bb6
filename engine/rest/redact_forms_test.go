package rest

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestRedactorEveryForm: a secret is hidden in every form an error body,
// a URL, a log line or a header may carry it.
func TestRedactorEveryForm(t *testing.T) {
	const secret = `tok+en/S3CR3T=&v"q<x>`
	r := NewRedactor()
	r.Add(secret)
	r.Add("ann:pa:ss") // basic auth's user:pass, as HTTPBasic registers it
	jsonHTML, _ := json.Marshal(secret)
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(secret)
	jsonPlain := strings.TrimSpace(b.String())
	tests := []struct{ name, in string }{
		{"raw", "key " + secret + " end"},
		{"query escaped", "url ?k=" + url.QueryEscape(secret) + "&x=1"},
		{"path escaped", "url /a/" + url.PathEscape(secret) + "/b"},
		{"json escaped, html", `{"k":` + string(jsonHTML) + `}`},
		{"json escaped, plain", `{"k":` + jsonPlain + `}`},
		{"json escaped, slash", `{"k":` + strings.ReplaceAll(string(jsonHTML), "/", `\/`) + `}`},
		{"base64", "echo " + base64.StdEncoding.EncodeToString([]byte(secret))},
		{"base64 url", "echo " + base64.RawURLEncoding.EncodeToString([]byte(secret))},
		{"basic header", "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("ann:pa:ss"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.String(tt.in)
			if !strings.Contains(got, Redacted) || strings.Contains(got, "S3CR3T") || strings.Contains(got, "pa:ss") ||
				strings.Contains(got, "UzNDUjNU") || strings.Contains(got, "YW5uOnBhOnNz") {
				t.Errorf("String(%q) = %q", tt.in, got)
			}
			if !r.Contains(tt.in) {
				t.Errorf("Contains(%q) = false", tt.in)
			}
		})
	}
	for _, s := range []string{secret, url.QueryEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret))} {
		if !r.IsSecret(s) {
			t.Errorf("IsSecret(%q) = false", s)
		}
	}
	for _, s := range []string{"", "tok", "key " + secret} {
		if r.IsSecret(s) {
			t.Errorf("IsSecret(%q) = true", s)
		}
	}
}
