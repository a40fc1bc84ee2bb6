package cli

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

var update = flag.Bool("update", false, "rewrite golden files")

// run runs the CLI with a fixed environment and returns exit code, stdout, stderr.
func run(t *testing.T, envVars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
		getenv: func(k string) (string, bool) { v, ok := envVars[k]; return v, ok }}
	e.logLevel = new(slog.LevelVar)
	code := e.run(args)
	return code, out.String(), errOut.String()
}

// testdata is absolute, for tests that change directory.
var testdata, _ = filepath.Abs("testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdata, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update):\n%s", path, got)
	}
}

func TestExitCodesAndMessages(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		code   int
		golden string // stdout+stderr
	}{
		{"validate bad spec", []string{"validate", "testdata/bad.yml"}, ExitUsage, "validate_bad.txt"},
		{"validate bad references", []string{"validate", "testdata/bad_refs.yml"}, ExitUsage, "validate_bad_refs.txt"},
		{"validate good spec", []string{"validate", "testdata/users.yml"}, ExitOK, "validate_ok.txt"},
		{"validate warns of paging fields", []string{"validate", "testdata/paging_overlap.yml"}, ExitOK, "validate_paging_overlap.txt"},
		{"plan", []string{"plan", "testdata/users.yml", "--base-url", "http://127.0.0.1:9/"}, ExitOK, "plan_users.txt"},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "unknown_command.txt"},
		{"missing spec argument", []string{"run"}, ExitUsage, "run_no_arg.txt"},
		{"spec not found", []string{"run", "nope.yml"}, ExitUsage, "run_not_found.txt"},
		{"missing secret", []string{"run", "testdata/users.yml"}, ExitUsage, "run_missing_secret.txt"},
		{"unknown var", []string{"plan", "testdata/users.yml", "--var", "x=1"}, ExitUsage, "plan_unknown_var.txt"},
		{"negative concurrency", []string{"run", "testdata/users.yml", "--concurrency", "-2"}, ExitUsage, "run_bad_concurrency.txt"},
		{"bad dest scheme", []string{"schema", "--dest", "mysql://u:pw@h/db"}, ExitUsage, "schema_bad_dest.txt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout, stderr)
			}
			golden(t, c.golden, stdout+stderr)
		})
	}
}

func TestSourcesListsShippedSpecs(t *testing.T) {
	code, stdout, _ := run(t, nil, "sources")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, name := range []string{"snyk ", "checkmarx_sca "} {
		if !strings.Contains(stdout, name) {
			t.Errorf("pipe sources does not list %q:\n%s", name, stdout)
		}
	}
}

// usersAPI serves 5 users, offset-paginated, behind a bearer token.
func usersAPI(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-123456" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		lim, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		var users []map[string]any
		for i := off; i < min(off+lim, 5); i++ {
			users = append(users, map[string]any{"id": i, "login": "user" + strconv.Itoa(i), "profile": map[string]any{"age": 20 + i}})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"users": users, "total": 5})
	}))
	t.Cleanup(srv.Close)
	return srv
}

var elapsed = regexp.MustCompile(`load \S+ completed in \S+ into \S+`)

func TestRunLoadsIntoSQLite(t *testing.T) {
	srv := usersAPI(t)
	db := filepath.Join(t.TempDir(), "users.db")
	env := map[string]string{"USERS_TOKEN": "tok-123456"}
	code, stdout, stderr := run(t, env, "run", "testdata/users.yml", "--base-url", srv.URL+"/", "--dest", "sqlite://"+db, "-q")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	golden(t, "run_users.txt", elapsed.ReplaceAllString(stdout, "load ID completed in T into DB"))
	if strings.Contains(stdout+stderr, "tok-123456") {
		t.Error("the token appears in the output")
	}
	conn, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n, age int
	if err := conn.QueryRow(`SELECT count(*), max(profile__age) FROM users`).Scan(&n, &age); err != nil {
		t.Fatal(err)
	}
	if n != 5 || age != 24 {
		t.Errorf("users: %d rows, max age %d; want 5, 24", n, age)
	}
	code, stdout, _ = run(t, nil, "schema", "--dest", db)
	if code != ExitOK || !strings.Contains(stdout, "profile__age") || !strings.Contains(stdout, "bigint") {
		t.Errorf("pipe schema: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run(t, nil, "loads", "--dest", db)
	if code != ExitOK || !regexp.MustCompile(`\S+ +users +completed .* 5\n`).MatchString(stdout) {
		t.Errorf("pipe loads: exit %d\n%s", code, stdout)
	}
	code, _, stderr = run(t, nil, "loads", "--dest", filepath.Join(t.TempDir(), "missing.db"))
	if code != ExitUsage || !strings.Contains(stderr, "missing.db") {
		t.Errorf("pipe loads on a missing file: exit %d\n%s", code, stderr)
	}
}

func TestRunFailureExitsOne(t *testing.T) {
	srv := usersAPI(t)
	db := filepath.Join(t.TempDir(), "users.db")
	env := map[string]string{"USERS_TOKEN": "wrong-token-abc"}
	code, stdout, stderr := run(t, env, "run", "testdata/users.yml", "--base-url", srv.URL+"/", "--dest", db, "-q")
	if code != ExitFailed {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitFailed, stdout, stderr)
	}
	if !strings.Contains(stderr, `resource "users"`) || !strings.Contains(stderr, "401") {
		t.Errorf("stderr does not name the resource and status:\n%s", stderr)
	}
	if strings.Contains(stdout+stderr, "wrong-token-abc") {
		t.Error("the token appears in the output")
	}
}

// TestRunPrintsSpecWarnings: a setting pipe ignores is said on the run's
// standard error as pipe validate says it, and the run goes on.
func TestRunPrintsSpecWarnings(t *testing.T) {
	srv := usersAPI(t)
	text, err := os.ReadFile("testdata/users.yml")
	if err != nil {
		t.Fatal(err)
	}
	specFile := filepath.Join(t.TempDir(), "users.yml")
	if err := os.WriteFile(specFile, []byte(strings.Replace(string(text), "  - name: users\n", "  - name: users\n    table_format: iceberg\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, map[string]string{"USERS_TOKEN": "tok-123456"}, "run", specFile, "--base-url", srv.URL+"/", "--dest", "sqlite://"+filepath.Join(t.TempDir(), "users.db"), "-q")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if want := `resources[0].table_format: warning: table_format "iceberg" is ignored`; !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q\nwant it to hold %s", stderr, want)
	}
}
