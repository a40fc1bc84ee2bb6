package plan

import (
	"encoding/json"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

// TestHideCredential: a credential prints as its placeholders, with an
// authorization scheme word beside them at most; anything written in
// the spec prints as ***.
func TestHideCredential(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"{secrets.t}", "{secrets.t}"},
		{"token {secrets.t}", "token {secrets.t}"},
		{"Bearer {secrets.t}", "Bearer {secrets.t}"},
		{"sso-key {secrets.key}:{secrets.secret}", "sso-key {secrets.key}:{secrets.secret}"},
		{"literal-key-123", "***"},
		{"abc123{secrets.t}", "***"},
		{"{secrets.t} trailing-secret-9", "***"},
		{"token literal", "***"},
		{"", "***"},
	} {
		if got := hideCredential(tt.in); got != tt.want {
			t.Errorf("hideCredential(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSettingsJSON: settings marshal as one object in their order; no
// settings as null.
func TestSettingsJSON(t *testing.T) {
	c := rest.DefaultPaginator(rest.KindOffset)
	c.Limit = 50
	b, err := json.Marshal(PaginatorSettings(c))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"offset","limit":50,"offset":0,"offset_param":"offset","limit_param":"limit","stop_after_empty_page":true,"max_pages":100000}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	if b, _ := json.Marshal(AuthSettings(nil)); string(b) != "null" {
		t.Errorf("no auth = %s, want null", b)
	}
}
