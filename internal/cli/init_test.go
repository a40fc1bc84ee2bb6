package cli

import (
	"database/sql"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/internal/openapi"
)

// TestInitThenRun generates a spec from each excerpt, runs it with pipe
// run against a fake built from the same document's examples into a real
// SQLite file, and checks every resource's table got rows.
func TestInitThenRun(t *testing.T) {
	cases := []struct {
		doc     string
		secrets map[string]string
		vars    []string
		tables  map[string]int // rows expected per table
	}{
		{"stripe_like", map[string]string{"LEDGER_USERNAME": "sk_test", "LEDGER_PASSWORD": "x"}, nil,
			map[string]int{"customers": 2, "customers__tags": 1, "charges": 1, "charges__refunds": 1}},
		{"github_like", map[string]string{"FORGE_TOKEN": "t"}, nil,
			map[string]int{"repos": 2, "repositories": 1, "issues": 1, "issues__labels": 1}},
		{"snyk_like", map[string]string{"SCANNER_API_KEY": "k"}, nil,
			// Both orgs list the same example project: keyed within its
			// org (primary_key: [id, _orgs_id]), a row under each.
			map[string]int{"orgs": 2, "projects": 2, "projects__attributes__tags": 2, "targets": 1}},
		{"swagger2", map[string]string{"REGISTRY_USERNAME": "u", "REGISTRY_PASSWORD": "p"}, nil,
			map[string]int{"projects": 1, "repositories": 1}},
		{"openapi31", map[string]string{"BILLING_CLIENT_ID": "id", "BILLING_CLIENT_SECRET": "s"}, []string{"token_url"},
			map[string]int{"invoices": 2, "invoices__fees": 1}},
	}
	for _, c := range cases {
		t.Run(c.doc, func(t *testing.T) {
			dir := t.TempDir()
			docPath := filepath.Join("..", "openapi", "testdata", c.doc+".yaml")
			specPath := filepath.Join(dir, "spec.yml")
			code, stdout, stderr := run(t, nil, "init", "--from-openapi", docPath, "-o", specPath)
			if code != ExitOK {
				t.Fatalf("init: exit %d\n%s%s", code, stdout, stderr)
			}
			if !strings.Contains(stderr, "wrote "+specPath) {
				t.Errorf("init summary:\n%s", stderr)
			}
			data, _ := os.ReadFile(docPath)
			doc, err := openapi.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			fake := openapi.NewFake(doc)
			srv := httptest.NewServer(fake)
			defer srv.Close()
			db := filepath.Join(dir, "out.db")
			args := []string{"run", specPath, "--base-url", srv.URL + fake.Prefix + "/", "--dest", db}
			for _, v := range c.vars {
				args = append(args, "--var", v+"="+srv.URL+"/oauth/token")
			}
			code, stdout, stderr = run(t, c.secrets, args...)
			if code != ExitOK {
				t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
			}
			conn, err := sql.Open("sqlite3", db)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for table, want := range c.tables {
				var n int
				if err := conn.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
					t.Errorf("%s: %v", table, err)
					continue
				}
				if n != want {
					t.Errorf("%s: %d rows, want %d", table, n, want)
				}
			}
		})
	}
}

// TestInitPlaceholderServer: Jira's published document names the server
// https://your-domain.atlassian.net, a placeholder. init says so, and a
// run that does not set it stops before any request: the credentials go
// nowhere, least of all to whoever holds the placeholder's name.
func TestInitPlaceholderServer(t *testing.T) {
	dir := t.TempDir()
	docPath := filepath.Join("..", "openapi", "testdata", "jira.yaml")
	specPath := filepath.Join(dir, "jira.yml")
	code, stdout, stderr := run(t, nil, "init", "--from-openapi", docPath, "-o", specPath)
	if code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "your-domain is a placeholder: set --var your_domain=") {
		t.Errorf("init's summary does not name the placeholder:\n%s", stderr)
	}
	secrets := map[string]string{"THE_JIRA_CLOUD_PLATFORM_REST_USERNAME": "me@example.com", "THE_JIRA_CLOUD_PLATFORM_REST_PASSWORD": "jira-api-token-secret"}
	code, stdout, stderr = run(t, secrets, "run", specPath, "--dest", filepath.Join(dir, "out.db"))
	if code == ExitOK || !strings.Contains(stderr, "your_domain") {
		t.Errorf("run without your_domain: exit %d, want a failure naming it\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "jira-api-token-secret") {
		t.Errorf("output holds the secret:\n%s%s", stdout, stderr)
	}
	if !strings.Contains(stderr, "has no value") {
		t.Errorf("run without your_domain did not stop at the plan, before any request:\n%s", stderr)
	}
}
