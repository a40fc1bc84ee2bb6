package cassette

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

func TestRedactor(t *testing.T) {
	const key = "k3y/with+special=chars"
	const session = "Sess/9f8e" // got at run time, after the cassette opened
	run := rest.NewRedactor()
	run.Add(key)
	r := newRedactor(run, []string{"X-Token"}, []string{"api_key"})
	run.Add(session)
	cases := []struct{ name, got, want string }{
		{"auth query param dropped, rest sorted", r.url("https://h/x?z=1&api_key=k3y%2Fwith%2Bspecial%3Dchars&a=2"), "https://h/x?a=2&z=1"},
		{"secret in another param", r.url("https://h/x?next=" + "k3y%2Fwith%2Bspecial%3Dchars"), "https://h/x?next=REDACTED"},
		{"secret got at run time, in a param", r.url("https://h/x?sid=" + url.QueryEscape(session)), "https://h/x?sid=REDACTED"},
		{"user info dropped", r.url("https://u:p@h/x"), "https://h/x"},
		{"raw in body", r.body(`{"k":"` + key + `"}`), `{"k":"REDACTED"}`},
		{"JSON-escaped in body", r.body(`{"next":"https:\/\/h\/x?sid=Sess\/9f8e"}`), `{"next":"https:\/\/h\/x?sid=REDACTED"}`},
		{"base64 in body", r.body(base64.StdEncoding.EncodeToString([]byte(key))), "REDACTED"},
		{"token fields", r.body(`{"access_token": "eyJ.x.y", "refresh_token":"r1", "expires_in": 3600}`), `{"access_token": "REDACTED", "refresh_token":"REDACTED", "expires_in": 3600}`},
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
	f := r.form(url.Values{"api_key": {key}, "grant_type": {"refresh_token"}, "refresh_token": {session}})
	if len(f) != 2 || f.Get("refresh_token") != "REDACTED" || f.Get("grant_type") != "refresh_token" {
		t.Errorf("form %v, want api_key dropped and the refresh token redacted", f)
	}
}
