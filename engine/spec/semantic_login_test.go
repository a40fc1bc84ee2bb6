package spec

import (
	"strings"
	"testing"
)

// TestLoginChecks: pipe validate's positioned errors for a login block's
// basic credentials, bodies and expiry paths, and the specs it takes.
func TestLoginChecks(t *testing.T) {
	for _, c := range []struct{ name, auth, want string }{
		{"basic only (Jamf Pro)", `{type: login, token_url: "https://j.test/api/v1/auth/token", basic: {username: "{secrets.u}", password: "{secrets.p}"}, token_path: token, expires_at_path: expires}`, ""},
		{"basic with a form", `{type: login, token_url: "https://j.test/t", basic: {username: u, password: ""}, form: {scope: read}}`, ""},
		{"a json body", `{type: login, token_url: "https://j.test/t", json: {}}`, ""},
		{"both empty", `{type: login, token_url: "https://j.test/t", basic: {username: "", password: ""}}`,
			`s.yml:4:61: client.auth.basic: basic: username and password are both empty (either may be "", not both, as in http_basic)`},
		{"no password", `{type: login, token_url: "https://j.test/t", basic: {username: u}}`,
			`s.yml:4:61: client.auth.basic: missing required field "password"`},
		{"unknown secret scope", `{type: login, token_url: "https://j.test/t", basic: {username: "{vars.nope}", password: p}}`,
			`s.yml:4:72: client.auth.basic.username: unknown variable "nope" in {vars.nope}`},
		{"no credentials", `{type: login, token_url: "https://j.test/t", token_path: token}`,
			`s.yml:4:9: client.auth: login sends no credentials to token_url: add basic: {username, password} (HTTP Basic, as Jamf Pro wants), form or json`},
		{"two bodies", `{type: login, token_url: "https://j.test/t", form: {a: b}, json: {a: b}}`,
			`s.yml:4:74: client.auth.json: form and json are both request bodies (keep one)`},
		{"two expiry paths", `{type: login, token_url: "https://j.test/t", json: {}, expires_in_path: expires, expires_at_path: expires}`,
			`s.yml:4:107: client.auth.expires_at_path: give expires_in_path (a lifetime in seconds) or expires_at_path (an absolute expiry), not both`},
		{"a misspelt path", `{type: login, token_url: "https://j.test/t", json: {}, expires_at: expires}`,
			`s.yml:4:64: client.auth.expires_at: unknown field "expires_at" for type login (want one of basic, expires_at_path, expires_in_path, form, header_name, header_prefix, json, token_path, token_url)`},
		{"http_basic's fields on a login", `{type: login, token_url: "https://j.test/t", username: u, password: p}`,
			`s.yml:4:54: client.auth.username: unknown field "username" for type login: HTTP Basic credentials of the token request go in basic: {username, password}` + "\n" +
				`s.yml:4:67: client.auth.password: unknown field "password" for type login: HTTP Basic credentials of the token request go in basic: {username, password}`},
		{"basic on http_basic", `{type: http_basic, username: u, password: p, basic: {username: u, password: p}}`,
			`client.auth.basic: unknown field "basic"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := "name: s\nclient:\n  base_url: \"https://j.test/api/\"\n  auth: " + c.auth + "\nresources:\n  - computers\n"
			_, err := Load("s.yml", []byte(src))
			switch {
			case c.want == "" && err != nil:
				t.Errorf("err = %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("err = %v\nwant %s", err, c.want)
			}
		})
	}
}
