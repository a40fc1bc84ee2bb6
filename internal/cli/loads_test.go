package cli

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/internal/dbview"
)

func TestPrintLoads(t *testing.T) {
	at := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	ptr := func(t time.Time) *time.Time { return &t }
	loads := []dbview.Load{
		{ID: "20261205T170300Z-0000000c", Pipeline: "snyk", Status: destinations.StatusRunning, Started: at.Add(3 * time.Minute),
			Rows: map[string]int64{"orgs": 3}},
		{ID: "20261205T170200Z-0000000b", Pipeline: "snyk", Status: destinations.StatusFailed, Started: at.Add(2 * time.Minute),
			Finished: ptr(at.Add(2*time.Minute + 1500*time.Millisecond)), Rows: map[string]int64{"orgs": 3, "issues": 80, "projects": 9},
			Error: `resource "issues": page 3: GET http://127.0.0.1:8765/rest/orgs/o1/issues?version=2024-10-15: 500 Internal Server Error`},
		{ID: "20261205T170100Z-0000000a", Pipeline: "snyk", Status: destinations.StatusInterrupted, Started: at.Add(time.Minute),
			Error: "the process running the load ended before finishing it (found by load 20261205T170200Z-0000000b)"},
		{ID: "20261205T170000Z-00000009", Pipeline: "snyk", Status: destinations.StatusCompleted, Started: at,
			Finished: ptr(at.Add(42 * time.Second)), Rows: map[string]int64{"orgs": 3, "issues": 1350}},
	}
	var out bytes.Buffer
	printLoads(&out, loads)
	golden(t, "loads.txt", out.String())
}

// TestLoadsShowsFailure records why a run failed, and pipe loads shows
// it without the secret.
func TestLoadsShowsFailure(t *testing.T) {
	srv := usersAPI(t)
	db := filepath.Join(t.TempDir(), "users.db")
	env := map[string]string{"USERS_TOKEN": "wrong-token-abc"}
	if code, stdout, stderr := run(t, env, "run", "testdata/users.yml", "--base-url", srv.URL+"/", "--dest", db, "-q"); code != ExitFailed {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitFailed, stdout, stderr)
	}
	code, stdout, stderr := run(t, nil, "loads", "--dest", db)
	if code != ExitOK {
		t.Fatalf("pipe loads: exit %d\n%s", code, stderr)
	}
	want := regexp.MustCompile(`(?m)^\S+ +users +failed .*\n  error: .*resource "users".*401.*\n  rows: none committed\n`)
	if !want.MatchString(stdout) {
		t.Errorf("pipe loads does not show the failure:\n%s", stdout)
	}
	if strings.Contains(stdout, "wrong-token-abc") {
		t.Error("the token appears in pipe loads")
	}
}
