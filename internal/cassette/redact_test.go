package cassette

import (
	"encoding/base64"
	"net/http"
	"testing"
)

func TestRedactor(t *testing.T) {
	const key = "k3y/with+special=chars"
	r := newRedactor([]string{key, "", "abc"}, []string{"X-Token"}, []string{"api_key"})
	cases := []struct{ name, got, want string }{
		{"auth query param dropped, rest sorted", r.url("https://h/x?z=1&api_key=k3y%2Fwith%2Bspecial%3Dchars&a=2"), "https://h/x?a=2&z=1"},
		{"secret in another param", r.url("https://h/x?next=" + "k3y%2Fwith%2Bspecial%3Dchars"), "https://h/x?next=REDACTED"},
		{"user info dropped", r.url("https://u:p@h/x"), "https://h/x"},
		{"raw in body", r.body(`{"k":"` + key + `"}`), `{"k":"REDACTED"}`},
		{"base64 in body", r.body(base64.StdEncoding.EncodeToString([]byte(key))), "REDACTED"},
		{"token fields", r.body(`{"access_token": "eyJ.x.y", "refresh_token":"r1", "expires_in": 3600}`), `{"access_token": "REDACTED", "refresh_token":"REDACTED", "expires_in": 3600}`},
		{"short values kept (3 bytes would redact too much)", r.text("abc"), "abc"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	h := r.header(http.Header{"Authorization": {"Bearer x"}, "X-Token": {"t"}, "Set-Cookie": {"s=1"}, "Accept": {key}})
	if len(h) != 1 || h.Get("Accept") != "REDACTED" {
		t.Errorf("headers %v, want only Accept, redacted", h)
	}
}
