package plan_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// loginPlan builds a one-resource spec whose client auth is auth.
func loginPlan(t *testing.T, auth string) *plan.Plan {
	t.Helper()
	yml := "name: jamf\nvars:\n  host: {default: \"https://acme.jamfcloud.com\"}\nclient:\n  base_url: https://acme.jamfcloud.com/api/\n  auth: " + auth + "\nresources:\n  - computers\n"
	s, err := spec.Load("jamf.yml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(s, plan.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCompileLoginBasic: login's basic block compiles into the
// AuthConfig's Username and Password (placeholders kept, variables
// bound), expires_at_path into ExpiresAtPath with no expires_in_path
// default beside it.
func TestCompileLoginBasic(t *testing.T) {
	p := loginPlan(t, `{type: login, token_url: "{vars.host}/api/v1/auth/token", basic: {username: "{secrets.jamf_user}", password: "{secrets.jamf_password}"}, token_path: token, expires_at_path: expires}`)
	want := rest.AuthConfig{Type: "login", TokenURL: "https://acme.jamfcloud.com/api/v1/auth/token", Username: "{secrets.jamf_user}", Password: "{secrets.jamf_password}",
		TokenPath: "token", ExpiresAtPath: "expires", HeaderName: "Authorization", HeaderPrefix: "Bearer "}
	if got := *p.Resource("computers").Auth; !reflect.DeepEqual(got, want) {
		t.Errorf("compiled\n%#v\nwant\n%#v", got, want)
	}
}

// TestDescribeLoginBasic: pipe plan shows the basic block with the
// password as its placeholder (or *** when written literally), and
// expires_at_path.
func TestDescribeLoginBasic(t *testing.T) {
	for _, c := range []struct{ auth, want string }{
		{`{type: login, token_url: "https://acme.jamfcloud.com/api/v1/auth/token", basic: {username: "{secrets.u}", password: "{secrets.p}"}, token_path: token, expires_at_path: expires}`,
			`auth: login (token_url https://acme.jamfcloud.com/api/v1/auth/token, basic {username: "{secrets.u}", password: "{secrets.p}"}, token_path token, expires_at_path expires, header_name Authorization, header_prefix "Bearer ")`},
		{`{type: login, token_url: "https://dnac.test/dna/system/api/v1/auth/token", basic: {username: devnetuser, password: "Cisco123!"}, token_path: Token, header_name: X-Auth-Token, header_prefix: ""}`,
			`auth: login (token_url https://dnac.test/dna/system/api/v1/auth/token, basic {username: "devnetuser", password: "***"}, token_path Token, expires_in_path expires_in, header_name X-Auth-Token)`},
	} {
		var out strings.Builder
		if err := loginPlan(t, c.auth).Describe(&out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "    "+c.want+"\n") {
			t.Errorf("plan output lacks\n%s\n%s", c.want, out.String())
		}
		if strings.Contains(out.String(), "Cisco123!") {
			t.Errorf("plan output shows the password")
		}
	}
}
