package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// trackerAPI fakes an issue tracker shaped like Snyk's REST API: orgs,
// and per org its issues filtered by updated_after (RFC 3339, exclusive),
// each with a list of label objects (a child table). Org o2's name is an
// XSS payload, as any value from an API may be.
type trackerAPI struct {
	*httptest.Server
	mu     sync.Mutex
	issues map[string][]map[string]any // by org id
	// afters are the updated_after values of the issue requests, in
	// the order they came.
	afters []string
	// hold, when set, is called by GET /orgs before it answers.
	hold func()
}

func newTrackerAPI(t *testing.T) *trackerAPI {
	t.Helper()
	a := &trackerAPI{issues: map[string][]map[string]any{
		"o1": {
			{"id": "i1", "title": "first", "updated_at": "2024-01-01T00:00:00Z", "labels": []any{map[string]any{"name": "bug"}, map[string]any{"name": "p1"}}},
			{"id": "i2", "title": "second", "updated_at": "2024-02-01T00:00:00Z", "labels": []any{}},
		},
		"o2": {
			{"id": "i3", "title": "<img src=x onerror=alert(1)>", "updated_at": "2024-03-01T00:00:00Z", "labels": []any{map[string]any{"name": "ui"}}},
		},
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orgs", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		hold := a.hold
		a.mu.Unlock()
		if hold != nil {
			hold()
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"orgs": []any{
			map[string]any{"id": "o1", "name": "Acme"},
			map[string]any{"id": "o2", "name": "<script>alert('xss')</script>"},
		}})
	})
	mux.HandleFunc("GET /orgs/{org}/issues", func(w http.ResponseWriter, r *http.Request) {
		after := r.URL.Query().Get("updated_after")
		a.mu.Lock()
		defer a.mu.Unlock()
		a.afters = append(a.afters, r.PathValue("org")+" "+after)
		out := []any{}
		for _, is := range a.issues[r.PathValue("org")] {
			if is["updated_at"].(string) > after {
				out = append(out, is)
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"issues": out})
	})
	a.Server = httptest.NewServer(mux)
	t.Cleanup(a.Close)
	return a
}

// loadTracker runs pipe run tracker.yml against a fresh fake into dest.
func loadTracker(t *testing.T, dest string) *trackerAPI {
	t.Helper()
	api := newTrackerAPI(t)
	code, stdout, stderr := run(t, nil, "run", filepath.Join("testdata", "tracker.yml"), "--base-url", api.URL+"/", "--dest", dest, "-q")
	if code != ExitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	return api
}

// stable replaces load ids and times, which differ from run to run.
var (
	loadIDs = regexp.MustCompile(`\b\d{8}T\d{6}[.\d]*Z?[-\w]*\b`)
	times   = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?Z?`)
)

func stable(s string) string {
	return times.ReplaceAllString(loadIDs.ReplaceAllString(s, "LOAD"), "TIME")
}

func TestSchemaFormats(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tracker.db")
	loadTracker(t, db)
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"schema_tracker.txt", nil},
		{"schema_tracker.json", []string{"--json"}},
		{"schema_tracker.mmd", []string{"--format", "mermaid"}},
		{"schema_tracker.dot", []string{"--format", "dot"}},
	} {
		t.Run(c.golden, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, append([]string{"schema", "--dest", db}, c.args...)...)
			if code != ExitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			golden(t, c.golden, stdout)
		})
	}
}

// TestCommandsFindTheDatabaseFromTheSpec runs schema, loads and state with
// SPEC and no --dest, in a directory holding ./tracker.db, as run names it.
func TestCommandsFindTheDatabaseFromTheSpec(t *testing.T) {
	dir := t.TempDir()
	spec, _ := filepath.Abs(filepath.Join("testdata", "tracker.yml"))
	t.Chdir(dir)
	api := newTrackerAPI(t)
	if code, _, stderr := run(t, nil, "run", spec, "--base-url", api.URL+"/", "-q"); code != ExitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	for _, cmd := range []string{"schema", "loads", "state"} {
		code, stdout, stderr := run(t, nil, cmd, spec)
		if code != ExitOK || stdout == "" {
			t.Errorf("pipe %s %s: exit %d\n%s%s", cmd, spec, code, stdout, stderr)
		}
	}
	code, stdout, _ := run(t, nil, "loads", spec, "--json")
	var loads []map[string]any
	if err := json.Unmarshal([]byte(stdout), &loads); code != ExitOK || err != nil || len(loads) != 1 || loads[0]["status"] != "completed" {
		t.Errorf("pipe loads --json: exit %d, %v\n%s", code, err, stdout)
	}
	golden(t, "loads_tracker.json", stable(stdout))
	// $PIPE_DEST wins over ./<name>.db, as for run.
	code, _, stderr := run(t, map[string]string{"PIPE_DEST": filepath.Join(dir, "other.db")}, "schema", spec)
	if code != ExitUsage || !strings.Contains(stderr, "other.db") {
		t.Errorf("schema with PIPE_DEST of a missing file: exit %d\n%s", code, stderr)
	}
}

func TestPlanFormats(t *testing.T) {
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"plan_tracker.json", []string{"--json"}},
		{"plan_tracker.mmd", []string{"--format", "mermaid"}},
		{"plan_tracker.dot", []string{"--format", "dot"}},
	} {
		t.Run(c.golden, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, append([]string{"plan", filepath.Join("testdata", "tracker.yml")}, c.args...)...)
			if code != ExitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			golden(t, c.golden, stdout)
		})
	}
}

// TestPlanJSONCompiled: pipe plan --json prints each resource's
// paginator, auth, response actions and incremental settings as run uses
// them, every default applied, and no credential written in the spec
// (testdata/plan_compiled.json).
func TestPlanJSONCompiled(t *testing.T) {
	secrets := map[string]string{"COMPILED_TOKEN": "env-token-7", "COMPILED_BEARER": "env-bearer-8"}
	for _, args := range [][]string{{"--json"}, nil} {
		code, stdout, stderr := run(t, secrets, append([]string{"plan", filepath.Join("testdata", "plan_compiled.yml")}, args...)...)
		if code != ExitOK {
			t.Fatalf("plan %v: exit %d\n%s", args, code, stderr)
		}
		for _, s := range []string{"literal-password-1", "literal-client-secret-2", "literal-assertion-3", "literal-pass-4", "123456", "literal-pin-5", "literal-prefix-6", "env-token-7", "env-bearer-8"} {
			if strings.Contains(stdout+stderr, s) {
				t.Errorf("plan %v shows the credential %q", args, s)
			}
		}
		if args == nil {
			continue
		}
		golden(t, "plan_compiled.json", stdout)
		var doc struct {
			Resources []struct {
				Name      string
				Paginator map[string]any
			}
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatal(err)
		}
		for _, r := range doc.Resources {
			if r.Paginator["type"] != "single_page" && r.Paginator["max_pages"] != float64(100000) {
				t.Errorf("%s: paginator %v lacks the default max_pages", r.Name, r.Paginator)
			}
		}
	}
}
