package openapi

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/spec"
)

// generateEdited generates a spec from a vendor excerpt after edit
// changed what was read of it: the document as a vendor might have
// written it with less said.
func generateEdited(t *testing.T, file string, edit func(d *Doc)) generated {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	edit(d)
	res, err := Generate(d, Options{Source: file})
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load(file+".yml", res.YAML)
	if err != nil {
		t.Fatalf("generated spec does not validate: %v\n%s", err, res.YAML)
	}
	return generated{res, s}
}

func opAt(t *testing.T, d *Doc, path string) *Operation {
	t.Helper()
	for _, op := range d.Ops {
		if op.Path == path {
			return op
		}
	}
	t.Fatalf("no GET %s", path)
	return nil
}

func resourceOf(t *testing.T, s *spec.Spec, name string) *spec.Resource {
	t.Helper()
	for i := range s.Resources {
		if s.Resources[i].Name == name {
			return &s.Resources[i]
		}
	}
	t.Fatalf("no resource %q", name)
	return nil
}

// TestUndeclaredPagingFailsLoudly: Jira's issue search as a document
// that does not declare its startAt and maxResults params (many do not)
// gets no paginator it could guess; the spec must not read the first 50
// issues as all of them and exit 0. It gets auto, which sees the total
// above the records read and fails the run, naming it.
func TestUndeclaredPagingFailsLoudly(t *testing.T) {
	g := generateEdited(t, "jira.yaml", func(d *Doc) {
		op := opAt(t, d, "/rest/api/3/search")
		op.Params = slices.DeleteFunc(op.Params, func(p Param) bool { return p.Name == "startAt" || p.Name == "maxResults" })
	})
	r := resourceOf(t, g.spec, "search")
	if r.Endpoint.Paginator.Type != "auto" {
		t.Errorf("search paginator %+v, want auto", r.Endpoint.Paginator)
	}
	if !strings.Contains(string(g.res.YAML), "paginator: {type: auto}  # guess") {
		t.Errorf("the paginator carries no guess comment:\n%s", g.res.YAML)
	}
	f := newJiraFake(3, 230)
	srv := httptest.NewServer(f)
	defer srv.Close()
	db, err := g.run(t, srv.URL+"/", map[string]string{"your_domain": "acme"}, map[string]string{"THE_JIRA_CLOUD_PLATFORM_REST_USERNAME": f.email, "THE_JIRA_CLOUD_PLATFORM_REST_PASSWORD": f.token})
	mustFail(t, err, []string{`resource "search"`, "total", "230"}, f.token)
	noSecretIn(t, db, f.token)
}

// TestOffsetTokenIsACursor: Asana's offset param is a string, a token
// the API hands out. In a document whose next_page says only its
// offset (no uri, no path), the spec must send that token back as a
// cursor, not count records into a numeric offset Asana refuses.
func TestOffsetTokenIsACursor(t *testing.T) {
	g := generateEdited(t, "asana.yaml", func(d *Doc) {
		for _, path := range []string{"/projects", "/projects/{project_gid}/tasks"} {
			next := opAt(t, d, path).Response.Prop("next_page")
			next.Props = slices.DeleteFunc(slices.Clone(next.Props), func(p Property) bool { return p.Name != "offset" })
		}
	})
	pg := resourceOf(t, g.spec, "projects").Endpoint.Paginator
	if pg.Type != "cursor" || pg.CursorPath != "next_page.offset" || pg.CursorParam != "offset" {
		t.Fatalf("projects paginator %+v, want cursor next_page.offset sent as offset\n%s", pg, g.res.YAML)
	}
	f := newAsanaFake(230)
	srv := httptest.NewServer(f)
	defer srv.Close()
	db, err := g.run(t, srv.URL+f.prefix+"/", nil, map[string]string{"ASANA_TOKEN": f.token})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if got := rows(t, db, `SELECT count(*), count(DISTINCT gid) FROM projects`); got[0] != "230|230" {
		t.Errorf("projects: count, distinct gids = %s, want 230|230", got[0])
	}
	if got := rows(t, db, `SELECT count(*) FROM tasks`); got[0] != "208" {
		t.Errorf("tasks: %s rows, want 208", got[0])
	}
	if n := f.numeric.Load(); n != 0 {
		t.Errorf("%d request(s) with an offset Asana never handed out", n)
	}
}

// TestSeveralSecuritySchemes: Jira's operations accept basic auth or
// OAuth 2.0 (authorization code), Asana's document a personal access
// token or OAuth 2.0; each spec takes the first usable alternative and
// init says which.
func TestSeveralSecuritySchemes(t *testing.T) {
	cases := []struct{ file, auth, note string }{
		{"jira.yaml", "http_basic", "auth http_basic from securitySchemes.basicAuth"},
		{"asana.yaml", "bearer", "auth bearer from securitySchemes.personalAccessToken"},
		{"box.yaml", "bearer", "auth bearer from securitySchemes.OAuth2Security"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			g := generateVendor(t, c.file)
			if g.spec.Client.Auth == nil || g.spec.Client.Auth.Type != c.auth {
				t.Errorf("auth %+v, want %s", g.spec.Client.Auth, c.auth)
			}
			if !slices.Contains(g.res.Notes, c.note) {
				t.Errorf("notes %q, want %q", g.res.Notes, c.note)
			}
		})
	}
}
