package main_test

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/internal/dbcheck"
)

// TestBuiltBinaryLoadsTheFakeSnykAPI builds the pipe binary, runs the
// shipped snyk spec with it against the bundled fake, as a user would,
// and checks the SQLite file row by row against what the fake served.
func TestBuiltBinaryLoadsTheFakeSnykAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "pipe")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	fake := fakeapi.New(fakeapi.Config{Orgs: 2, ProjectsPerOrg: 3, IssuesPerOrg: 130, Seed: 11, Token: "e2e-token"})
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	db := filepath.Join(dir, "snyk.db")
	cmd := exec.Command(bin, "run", "snyk", "--var", "api_url="+srv.URL, "--dest", db, "--resources", "orgs,projects,issues")
	cmd.Env = append(os.Environ(), "SNYK_TOKEN=e2e-token")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pipe run: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "completed") || strings.Contains(string(out), "e2e-token") {
		t.Errorf("output should report a completed load and never the token:\n%s", out)
	}

	snap := fake.Snapshot()
	orgs := dbcheck.Table{Name: "orgs", Query: `SELECT id, attributes__name, attributes__slug, _pipe_load_id IS NOT NULL FROM orgs`, Rows: map[string][]any{}}
	for _, o := range snap.Orgs {
		orgs.Rows[o.ID] = []any{o.Attributes.Name, o.Attributes.Slug, true}
	}
	projects := dbcheck.Table{Name: "projects", Query: `SELECT id, attributes__name, attributes__type, _orgs_id FROM projects`, Rows: map[string][]any{}}
	for _, p := range snap.Projects {
		projects.Rows[p.ID] = []any{p.Attributes.Name, p.Attributes.Type, p.Relationships.Organization.Data.ID}
	}
	issues := dbcheck.Table{Name: "issues", Query: `SELECT id, attributes__title, attributes__updated_at, attributes__ignored FROM issues`, Rows: map[string][]any{}}
	problems := dbcheck.NewChild([]string{"id", "source"}, "issues", "issues__attributes__problems")
	for _, is := range snap.Issues {
		a := is.Attributes
		issues.Rows[is.ID] = []any{a.Title, a.UpdatedAt, a.Ignored}
		for i, p := range a.Problems {
			problems.Add(dbcheck.Key(is.ID, i), p.ID, p.Source)
		}
	}
	conn := dbcheck.Open(t, db)
	for _, tw := range []dbcheck.Table{orgs, projects, issues, problems.Table("t0.id")} {
		dbcheck.CheckTable(t, conn, tw)
	}
}
