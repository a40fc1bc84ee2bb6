package openapi

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/internal/openapi/openapitest"
)

// generateFile parses and generates a spec from a document in dir, and
// loads the result with the real spec loader.
func generateFile(t *testing.T, path string, o Options) (*Result, *spec.Spec) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if o.Source == "" {
		o.Source = filepath.Base(path)
	}
	res, err := Generate(d, o)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	s, err := spec.Load(o.Source+".yml", res.YAML)
	if err != nil {
		t.Fatalf("%s: generated spec does not validate: %v\n%s", path, err, res.YAML)
	}
	return res, s
}

// TestRealDocumentFacts checks what was read from each document by hand.
func TestRealDocumentFacts(t *testing.T) {
	dir := openapitest.Docs(t)
	type check func(t *testing.T, s *spec.Spec)
	res := func(t *testing.T, s *spec.Spec, name string) *spec.Resource {
		t.Helper()
		for i := range s.Resources {
			if s.Resources[i].Name == name {
				return &s.Resources[i]
			}
		}
		t.Fatalf("no resource %q", name)
		return nil
	}
	cases := map[string]check{
		"snyk.yaml": func(t *testing.T, s *spec.Spec) {
			p := res(t, s, "projects")
			if p.Endpoint.Path != "orgs/{resources.orgs.id}/projects" || p.Endpoint.Params["version"].Value != "{vars.version}" {
				t.Errorf("projects: path %q params %+v", p.Endpoint.Path, p.Endpoint.Params)
			}
			if pg := p.Endpoint.Paginator; pg.Type != "json_link" || pg.NextURLPath != "links.next" || pg.RelativeTo != "base_url" {
				t.Errorf("projects paginator %+v", pg)
			}
			if s.Client.BaseURL != "https://api.snyk.io/rest/" || s.Vars["version"].Default == nil {
				t.Errorf("base_url %q vars %+v", s.Client.BaseURL, s.Vars)
			}
		},
		"pagerduty.json": func(t *testing.T, s *spec.Spec) {
			r := res(t, s, "incidents")
			if pg := r.Endpoint.Paginator; pg.Type != "offset" || pg.HasMorePath != "more" || pg.Limit != 100 || pg.LimitParam != "" || pg.OffsetParam != "" {
				t.Errorf("incidents paginator %+v", pg)
			}
			if r.Endpoint.DataSelector != "incidents" || r.PrimaryKey[0] != "id" {
				t.Errorf("incidents: data_selector %q primary_key %v", r.Endpoint.DataSelector, r.PrimaryKey)
			}
			if a := s.Client.Auth; a.Type != "api_key" || a.Name != "Authorization" {
				t.Errorf("auth %+v", a)
			}
		},
		"slack.json": func(t *testing.T, s *spec.Spec) { // Swagger 2.0
			r := res(t, s, "conversations_list")
			if pg := r.Endpoint.Paginator; pg.Type != "cursor" || pg.CursorPath != "response_metadata.next_cursor" || pg.CursorParam != "cursor" {
				t.Errorf("conversations.list paginator %+v", pg)
			}
			if r.Endpoint.DataSelector != "channels" || s.Client.BaseURL != "https://slack.com/api/" {
				t.Errorf("data_selector %q base_url %q", r.Endpoint.DataSelector, s.Client.BaseURL)
			}
		},
		"harbor.yaml": func(t *testing.T, s *spec.Spec) { // Swagger 2.0
			r := res(t, s, "projects")
			if r.Endpoint.Paginator.Type != "header_link" || r.Endpoint.DataSelector != "@this" {
				t.Errorf("projects: %+v", r.Endpoint)
			}
			if s.Client.Auth.Type != "http_basic" {
				t.Errorf("auth %+v", s.Client.Auth)
			}
		},
		"lago.yaml": func(t *testing.T, s *spec.Spec) { // OpenAPI 3.1
			r := res(t, s, "invoices")
			if pg := r.Endpoint.Paginator; pg.Type != "page_number" || pg.TotalPath != "meta.total_pages" || *pg.BasePage != 1 {
				t.Errorf("invoices paginator %+v", pg)
			}
			if r.PrimaryKey[0] != "lago_id" {
				t.Errorf("invoices primary key %v", r.PrimaryKey)
			}
			// Two servers, US and EU: the account decides, so a var picks.
			if v := s.Vars["server"]; s.Client.BaseURL != "{vars.server}/" || v.Default == nil || *v.Default != "https://api.getlago.com/api/v1" || !slices.Contains(v.Enum, "https://api.eu.getlago.com/api/v1") {
				t.Errorf("base_url %q, vars.server %+v", s.Client.BaseURL, v)
			}
		},
		"okta.yaml": func(t *testing.T, s *spec.Spec) {
			if s.Client.BaseURL != "https://{vars.your_okta_domain}/" || s.Client.Auth.APIKey != "SSWS {secrets.okta_admin_management_api_key}" {
				t.Errorf("client %+v auth %+v", s.Client, s.Client.Auth)
			}
			r := res(t, s, "users")
			if r.Endpoint.Path != "api/v1/users" || r.Endpoint.Paginator.Type != "header_link" {
				t.Errorf("users: %+v", r.Endpoint)
			}
		},
		"sailpoint.yaml": func(t *testing.T, s *spec.Spec) {
			if a := s.Client.Auth; a.Type != "oauth2_client_credentials" || a.TokenURL != "{vars.token_url}" {
				t.Errorf("auth %+v", a)
			}
			if _, ok := s.Vars["tenant"]; !ok {
				t.Errorf("no tenant var from the server variables: %+v", s.Vars)
			}
		},
		"circleci.yaml": func(t *testing.T, s *spec.Spec) {
			if a := s.Client.Auth; a.Type != "api_key" || a.Name != "Circle-Token" || a.Location != "header" {
				t.Errorf("auth %+v", a)
			}
		},
		"intercom.yaml": func(t *testing.T, s *spec.Spec) {
			// cursor_pages: pages.next is {page, starting_after}.
			if pg := res(t, s, "conversations").Endpoint.Paginator; pg.Type != "cursor" || pg.CursorPath != "pages.next.starting_after" || pg.CursorParam != "starting_after" {
				t.Errorf("conversations paginator %+v", pg)
			}
		},
		"googlemaps.yaml": func(t *testing.T, s *spec.Spec) {
			// Every GET names its own server; the document's is www.googleapis.com.
			if p := res(t, s, "nearbysearch_json").Endpoint.Path; p != "https://maps.googleapis.com/maps/api/place/nearbysearch/json" {
				t.Errorf("nearbysearch path %q, want the operation's own server", p)
			}
		},
	}
	for file, c := range cases {
		t.Run(file, func(t *testing.T) {
			_, s := generateFile(t, filepath.Join(dir, file), Options{})
			if len(s.Resources) == 0 {
				t.Fatal("no resources")
			}
			c(t, s)
		})
	}
}

// BenchmarkOkta parses and generates from the largest real document with
// the most operations (Okta: 3.4 MB).
func BenchmarkOkta(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(openapitest.Docs(b), "okta.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		d, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Generate(d, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
