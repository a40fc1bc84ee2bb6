package plan_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

var update = flag.Bool("update", false, "rewrite golden files")

func load(t *testing.T, name string) *spec.Spec {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load(name, data)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return s
}

func env(vals map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vals[k]; return v, ok }
}

func TestBuildInheritanceAndOrder(t *testing.T) {
	p, err := plan.Build(load(t, "snyk_like.yml"), plan.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range p.Resources {
		order = append(order, r.Name)
	}
	if got := strings.Join(order, ","); got != "orgs,issues,projects,self" {
		t.Errorf("order = %s, want parents first in spec order: orgs,issues,projects,self", got)
	}
	issues := p.Resource("issues")
	if issues.Parent != "orgs" || strings.Join(issues.ParentFields, ",") != "id" {
		t.Errorf("issues parent = %q %v", issues.Parent, issues.ParentFields)
	}
	params := map[string]string{}
	for _, prm := range issues.Params {
		params[prm.Name] = prm.Value.String()
	}
	want := map[string]string{"version": "2024-10-15", "limit": "50", "updated_after": "{incremental.start_value}"}
	for k, v := range want {
		if params[k] != v {
			t.Errorf("issues param %s = %q, want %q (resource params merge over defaults key by key)", k, params[k], v)
		}
	}
	if issues.WriteDisposition != "merge" || strings.Join(issues.PrimaryKey, ",") != "id" {
		t.Errorf("issues inherits %s on %v", issues.WriteDisposition, issues.PrimaryKey)
	}
	if issues.Paginator.Type != "json_link" {
		t.Errorf("issues paginator = %+v, want the client's json_link", issues.Paginator)
	}
	projects := p.Resource("projects")
	if projects.WriteDisposition != "replace" || projects.Paginator.Type != "single_page" {
		t.Errorf("projects = %s, %s: the resource's own settings must win", projects.WriteDisposition, projects.Paginator.Type)
	}
	if self := p.Resource("self"); self.Path.String() != "self" || self.Table != "self" {
		t.Errorf("string resource self: path %q table %q", self.Path.String(), self.Table)
	}
	if p.BaseURL != "https://api.snyk.io/rest/" {
		t.Errorf("base_url = %q", p.BaseURL)
	}
}

func TestBuildVariables(t *testing.T) {
	cases := []struct {
		name    string
		opts    plan.Options
		wantURL string
		wantErr string
	}{
		{"default through another var", plan.Options{}, "https://api.snyk.io/rest/", ""},
		{"env overrides default", plan.Options{LookupEnv: env(map[string]string{"PIPE_VAR_REGION": "api.eu.snyk.io"})}, "https://api.eu.snyk.io/rest/", ""},
		{"flag overrides env", plan.Options{
			Vars:      map[string]string{"api_url": "http://127.0.0.1:9"},
			LookupEnv: env(map[string]string{"PIPE_VAR_API_URL": "http://ignored"}),
		}, "http://127.0.0.1:9/rest/", ""},
		{"base-url overrides client", plan.Options{BaseURL: "http://proxy.local/rest/"}, "http://proxy.local/rest/", ""},
		{"enum", plan.Options{Vars: map[string]string{"region": "api.mars.snyk.io"}}, "", `vars.region: value "api.mars.snyk.io" is not allowed (want one of api.snyk.io, api.eu.snyk.io)`},
		{"unknown var", plan.Options{Vars: map[string]string{"regoin": "x"}}, "", "--var regoin: unknown variable (the spec declares api_url, api_version, region)"},
		{"unknown resource", plan.Options{Resources: []string{"nope"}}, "", `--resources: unknown resource "nope"`},
		{"too long", plan.Options{Vars: map[string]string{"region": strings.Repeat("x", spec.MaxVarLen+1)}}, "", "vars.region: value expands to 65537 bytes (at most 65536)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.opts.LookupEnv == nil {
				c.opts.LookupEnv = env(nil)
			}
			p, err := plan.Build(load(t, "snyk_like.yml"), c.opts)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.BaseURL != c.wantURL {
				t.Errorf("base_url = %q, want %q", p.BaseURL, c.wantURL)
			}
		})
	}
}

func TestBuildSelection(t *testing.T) {
	p, err := plan.Build(load(t, "snyk_like.yml"), plan.Options{Resources: []string{"issues"}, LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name             string
		selected, needed bool
	}{{"orgs", false, true}, {"issues", true, true}, {"projects", false, false}, {"self", false, false}} {
		r := p.Resource(c.name)
		if r.Selected != c.selected || r.Needed != c.needed {
			t.Errorf("%s: selected %v needed %v, want %v %v", c.name, r.Selected, r.Needed, c.selected, c.needed)
		}
	}
}

func TestDescribeGolden(t *testing.T) {
	p, err := plan.Build(load(t, "snyk_like.yml"), plan.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := p.Describe(&out); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "snyk_like.plan")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("describe output differs from %s (run with -update):\n%s", golden, out.String())
	}
	if strings.Contains(out.String(), "SNYK_TOKEN") || !strings.Contains(out.String(), "{secrets.snyk_token}") {
		t.Error("plan output must show secret placeholders, never values")
	}
}

func TestBuildInheritedIncrementalNeedsCursor(t *testing.T) {
	_, err := plan.Build(load(t, "inherited_incremental.yml"), plan.Options{LookupEnv: env(nil)})
	if err == nil {
		t.Fatal("users inherits {incremental.start_value} without incremental; want an error")
	}
	want := `resource "users" uses {incremental.start_value} (perhaps from resource_defaults) but has no endpoint.incremental`
	if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), `"events"`) {
		t.Errorf("err = %v, want only %q", err, want)
	}
}

func TestBuildLookupDefaultsAndNamedAuth(t *testing.T) {
	cases := []struct {
		name      string
		vars      map[string]string
		wantBase  string
		wantToken string // token_url var
		wantAuth  string // items' auth type
		wantErr   string
	}{
		{"defaults", nil, "https://api.example.com/v1/", "https://api.example.com/token", "api_key", ""},
		{"eu picks its defaults", map[string]string{"environment": "eu"}, "https://eu.api.example.com/v1/", "https://eu.login.example.com/token", "api_key", ""},
		{"oauth by var", map[string]string{"auth": "oauth"}, "https://api.example.com/v1/", "https://api.example.com/token", "oauth2_client_credentials", ""},
		{"explicit value wins", map[string]string{"environment": "eu", "api_url": "http://127.0.0.1:1"}, "http://127.0.0.1:1/v1/", "https://eu.login.example.com/token", "api_key", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := plan.Build(load(t, "auths.yml"), plan.Options{Vars: c.vars, LookupEnv: env(nil)})
			if err != nil {
				t.Fatal(err)
			}
			if p.BaseURL != c.wantBase || p.Vars["token_url"] != c.wantToken {
				t.Errorf("base %q token_url %q, want %q %q", p.BaseURL, p.Vars["token_url"], c.wantBase, c.wantToken)
			}
			if got := p.Resource("items").Auth.Type; got != c.wantAuth {
				t.Errorf("items auth = %s, want %s", got, c.wantAuth)
			}
			if got := p.Resource("public").Auth.Type; got != "api_key" {
				t.Errorf("public auth = %s, want the endpoint's named token auth", got)
			}
		})
	}
}

func TestBuildNamedAuthUnknownByVar(t *testing.T) {
	s := load(t, "auths.yml")
	s.Vars["auth"] = spec.Var{Default: ptr("oauth")}
	_, err := plan.Build(s, plan.Options{Vars: map[string]string{"auth": "app"}, LookupEnv: env(nil)})
	want := `client.auth: no auth named "app" in auths (have oauth, token)`
	if err == nil || !strings.Contains(err.Error(), want) || strings.Count(err.Error(), "no auth named") != 1 {
		t.Errorf("err = %v, want once: %s", err, want)
	}
}

func ptr(s string) *string { return &s }

func TestRequestURLEscapesPathSegments(t *testing.T) {
	p, err := plan.Build(load(t, "paths.yml"), plan.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(part spec.Part) (string, error) { return "a/b c", nil } // a parent id with a slash and a space
	for _, c := range []struct{ resource, want string }{
		{"package_issues", "https://api.example.com/rest/orgs/a%2Fb%20c/packages/pkg:npm%2Flodash@4.17.20/issues?version=2024-10-15"},
		{"dep_graph", "https://api.example.com/v1/org/a%2Fb%20c/dep-graph"},
		{"comments", "https://api.example.com/rest/orgs/a%2Fb%20c/a%2Fb/pkg:npm%2Flodash@4.17.20?per_page=10"},
	} {
		u, err := p.RequestURL(p.Resource(c.resource), lookup)
		if err != nil {
			t.Fatal(err)
		}
		if u.String() != c.want {
			t.Errorf("%s: %s, want %s", c.resource, u, c.want)
		}
	}
}

func TestBuildListVariable(t *testing.T) {
	s := load(t, "paths.yml")
	s.Vars["purl"] = spec.Var{Default: ptr("pkg:npm/a@1, pkg:npm/b@2"), List: true}
	p, err := plan.Build(s, plan.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	r := p.Resource("package_issues")
	if r.EachVar != "purl" || strings.Join(r.Each, "|") != "pkg:npm/a@1|pkg:npm/b@2" {
		t.Errorf("each = %s %v", r.EachVar, r.Each)
	}
	if !strings.Contains(r.Path.String(), "{vars.purl}") {
		t.Errorf("path %q: a list variable stays a placeholder, bound per chain", r.Path.String())
	}
	p, err = plan.Build(s, plan.Options{Vars: map[string]string{"purl": "pkg:pypi/c@3"}, LookupEnv: env(nil)})
	if err != nil || len(p.Resource("package_issues").Each) != 1 {
		t.Errorf("--var purl=one item: %v %v", err, p.Resource("package_issues").Each)
	}
	s.Client.BaseURL = "{vars.api_url}/{vars.purl}/"
	if _, err := plan.Build(s, plan.Options{LookupEnv: env(nil)}); err == nil || !strings.Contains(err.Error(), `list variable "purl" can only be used in a resource's requests`) {
		t.Errorf("list variable in base_url: err = %v", err)
	}
}

// TestMaxTableNestingDefault: the plan applies pipe's default (10) and
// passes a value the spec sets as it is, 0 included (no child tables).
func TestMaxTableNestingDefault(t *testing.T) {
	for _, c := range []struct {
		yaml string
		want int
	}{
		{"", 10},
		{"\n    max_table_nesting: 0", 0},
		{"\n    max_table_nesting: 3", 3},
	} {
		src := "name: n\nclient: {base_url: \"http://x/\"}\nresources:\n  - name: r" + c.yaml + "\n    endpoint: {path: r}\n"
		s, err := spec.Load("n.yml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		p, err := plan.Build(s, plan.Options{LookupEnv: env(nil)})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Resource("r").MaxTableNesting; got != c.want {
			t.Errorf("max_table_nesting %q: plan has %d, want %d", c.yaml, got, c.want)
		}
	}
}

// TestClientHeadersAsWritten checks client headers keep braces that are
// no pipe placeholder, doubled ones included (as dlt sends them), and
// fill {vars.*}.
func TestClientHeadersAsWritten(t *testing.T) {
	src := "client:\n  base_url: https://api.example.com/\n  headers:\n    X-Account: \"{account.id}/{vars.region}\"\n    X-Odd: \"a{{b}}\"\nvars: {region: eu}\nresources: [posts]\n"
	s, err := spec.Load("h.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(s, plan.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	none := func(part spec.Part) (string, error) { t.Fatalf("lookup %s", part); return "", nil }
	for name, want := range map[string]string{"X-Account": "{account.id}/eu", "X-Odd": "a{{b}}"} {
		got, err := p.Headers[name].Expand(none)
		if err != nil || got != want {
			t.Errorf("header %s = %q, %v; want %q", name, got, err, want)
		}
	}
}

// TestRequestURLEmptyParams: a param written as "" is sent empty, as dlt
// sends it (test_single_resource_query_string_params, one_empty_param);
// one whose placeholder expands to "" (an optional variable, a cursor
// with no value yet) is left out.
func TestRequestURLEmptyParams(t *testing.T) {
	s, err := spec.Load("empty.yml", []byte(`vars:
  since: {default: ""}
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint:
      path: posts
      params: {sort: desc, locale: "", since: "{vars.since}", after: "{secrets.after}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(s, plan.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	u, err := p.RequestURL(p.Resource("posts"), func(spec.Part) (string, error) { return "", nil })
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://api.example.com/posts?locale=&sort=desc"; u.String() != want {
		t.Errorf("url %s, want %s", u, want)
	}
}
