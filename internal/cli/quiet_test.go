package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// -q leaves stderr to warnings and errors: no progress lines, no INFO;
// the end-of-run warning about a hint that named no column still shows.
// Without -q the progress lines and INFO logs are there.
func TestQuietPrintsWarningsOnly(t *testing.T) {
	srv := usersAPI(t)
	env := map[string]string{"USERS_TOKEN": "tok-123456"}
	code, stdout, stderr := run(t, env, "run", "testdata/users_hint.yml", "--base-url", srv.URL+"/", "--dest", filepath.Join(t.TempDir(), "q.db"), "-q")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `level=WARN msg="hint columns.profile__height (data_type: double) names a column that no record had" resource=users`) {
		t.Errorf("stderr with -q:\n%s\nwant the one hint warning", stderr)
	}
	if !strings.Contains(stdout, "users          5 rows") {
		t.Errorf("stdout with -q lost the summary:\n%s", stdout)
	}

	code, _, stderr = run(t, env, "run", "testdata/users_hint.yml", "--base-url", srv.URL+"/", "--dest", filepath.Join(t.TempDir(), "v.db"))
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"level=INFO", "level=WARN", "users: done "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr without -q has no %q:\n%s", want, stderr)
		}
	}
}

// A spec the loader bounds (doubling variables, collections nested too
// deep) exits 2 with a positioned error from validate and from run, and
// run creates no database.
func TestBoundedSpecsExitTwo(t *testing.T) {
	dir := t.TempDir()
	var doubling strings.Builder
	doubling.WriteString("name: doubling\nvars:\n  v0: {default: \"xx\"}\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&doubling, "  v%d: {default: \"{vars.v%d}{vars.v%d}\"}\n", i, i-1, i-1)
	}
	doubling.WriteString("client: {base_url: \"https://{vars.v40}.test/\"}\nresources: [a]\n")
	specs := map[string]struct{ text, want string }{
		"doubling.yml": {doubling.String(), "doubling.yml:19:18: vars.v16.default: expands to more than 65536 bytes"},
		"deep.yml":     {"name: deep\nclient: " + strings.Repeat("[", 200<<10), "deep.yml:2:73: collections nested deeper than 64 levels"},
		"badurl.yml":   {"name: badurl\nclient: {base_url: \"::not a url::\"}\nresources: [a]\n", `badurl.yml:2:20: client.base_url: "::not a url::" is not a URL: missing protocol scheme`},
	}
	for name, s := range specs {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(s.text), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"validate", "run"} {
			db := filepath.Join(dir, "out.db")
			code, _, stderr := run(t, nil, cmd, path, "--dest", db)
			if cmd == "validate" {
				code, _, stderr = run(t, nil, cmd, path)
			}
			if code != ExitUsage || !strings.Contains(stderr, s.want) {
				t.Errorf("pipe %s %s: exit %d\n%s\nwant exit %d and %s", cmd, name, code, stderr, ExitUsage, s.want)
			}
			if _, err := os.Stat(db); !os.IsNotExist(err) {
				t.Errorf("pipe %s %s left a database: %v", cmd, name, err)
			}
		}
	}
}
