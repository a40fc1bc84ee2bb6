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
		{"a{{b}}", "a{b}", ""},
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
	src := "client:\n  base_url: https://api.example.com/\n  headers:\n    X-Account: \"{account.id}\"\n    \"X-{{Odd}}\": ok\nresources: [posts]\n"
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
