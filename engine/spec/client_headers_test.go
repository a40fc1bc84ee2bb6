package spec

import (
	"strings"
	"testing"
)

func TestClientHeader(t *testing.T) {
	for _, c := range []struct {
		in, want string // want: the template written back, placeholders in <>
		literal  string
	}{
		{"Bearer {secrets.token}", "Bearer <{secrets.token}>", ""},
		{"{vars.region}-x", "<{vars.region}>-x", ""},
		{"{account.id}", "{account.id}", "{account.id}"},
		{"{resources.posts.id}", "{resources.posts.id}", "{resources.posts.id}"},
		{"{incremental.start_value}", "{incremental.start_value}", "{incremental.start_value}"},
		{`{"status": "open"}`, `{"status": "open"}`, ""},
		{"a{{b}}", "a{{b}}", "{{ }}"}, // as dlt sends it
		{"open {", "open {", ""},
	} {
		tmpl, lits := ClientHeader(c.in)
		var b strings.Builder
		for _, p := range tmpl {
			if p.IsPlaceholder() {
				b.WriteString("<" + p.String() + ">")
			} else {
				b.WriteString(p.Literal)
			}
		}
		if b.String() != c.want || strings.Join(lits, " ") != c.literal {
			t.Errorf("ClientHeader(%q) = %q, literal %q; want %q, literal %q", c.in, b.String(), lits, c.want, c.literal)
		}
	}
}

// TestClientHeaderBracesWarn checks a client header with braces that are
// no pipe placeholder loads, with a positioned warning.
func TestClientHeaderBracesWarn(t *testing.T) {
	src := "client:\n  base_url: https://api.example.com/\n  headers:\n    X-Account: \"{account.id}\"\n    X-Odd: ok\nresources: [posts]\n"
	s, err := Load("h.yml", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	ws := Warnings(s)
	if len(ws) != 1 || !strings.HasPrefix(ws[0].Error(), "h.yml:4:16: client.headers.X-Account: warning: {account.id} is sent literally") {
		t.Errorf("warnings = %v", ws)
	}
	if HeaderName("X-{{Odd}}") != "X-{Odd}" {
		t.Errorf("HeaderName does not unescape braces")
	}
}

// TestHeaderNamesRefused: a header name HTTP does not allow (braces,
// spaces, even escaped) is a spec error, in client and endpoint headers.
func TestHeaderNamesRefused(t *testing.T) {
	src := "client:\n  base_url: https://api.example.com/\n  headers:\n    \"X-{{Odd}}\": ok\nresources:\n  - name: posts\n    endpoint:\n      headers: {\"X Post\": a, X-Fine: b}\n"
	_, err := Load("h.yml", []byte(src))
	want := []string{
		`h.yml:4:18: client.headers.X-{{Odd}}: "X-{Odd}" is no HTTP header name`,
		`h.yml:8:27: resources[0].endpoint.headers["X Post"]: "X Post" is no HTTP header name`,
	}
	if err == nil || strings.Count(err.Error(), "no HTTP header name") != 2 {
		t.Fatalf("err = %v, want %q", err, want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("err = %v, want %q", err, w)
		}
	}
	for name, ok := range map[string]bool{"X-Api-Key": true, "x_b.c~": true, "": false, "a:b": false, "é": false} {
		if ValidHeaderName(name) != ok {
			t.Errorf("ValidHeaderName(%q) = %v", name, !ok)
		}
	}
}
