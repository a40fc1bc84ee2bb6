package cli

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/internal/pgtest"
)

func TestStateSQLite(t *testing.T) {
	testState(t, filepath.Join(t.TempDir(), "tracker.db"))
}

func TestStatePostgres(t *testing.T) {
	dsn, _ := pgtest.DSN(t)
	testState(t, dsn)
}

// testState loads the tracker into dest, prints its cursors, and resets
// them: one parent's, then a whole resource's; a reset that matches
// nothing fails and changes nothing. A run after a reset requests that
// resource from the initial value again.
func testState(t *testing.T, dest string) {
	loadTracker(t, dest)
	spec := filepath.Join("testdata", "tracker.yml")
	code, stdout, stderr := run(t, nil, "state", spec, "--dest", dest)
	if code != ExitOK {
		t.Fatalf("state: exit %d\n%s", code, stderr)
	}
	golden(t, "state_tracker.txt", updatedTimes.ReplaceAllString(stdout, "YYYY-MM-DD hh:mm:ss"))
	// Both databases read back the same schema and counts.
	code, stdout, stderr = run(t, nil, "schema", spec, "--dest", dest)
	if code != ExitOK {
		t.Fatalf("schema: exit %d\n%s", code, stderr)
	}
	golden(t, "schema_tracker.txt", stdout)
	cursors := stateJSON(t, dest)
	if len(cursors) != 2 || cursors[0]["cursor"] != "2024-02-01T00:00:00Z" || cursors[1]["cursor"] != "2024-03-01T00:00:00Z" {
		t.Fatalf("state --json = %v", cursors)
	}
	o2 := cursors[1]["parent_key"].(string)

	for _, bad := range [][]string{
		{"--resource", "issues", "--parent", "no-such-parent"},
		{"--resource", "orgs"}, // a resource without cursors
		{"--resource", "nope"},
	} {
		code, _, stderr := run(t, nil, append([]string{"state", "reset", spec, "--dest", dest}, bad...)...)
		if code == ExitOK {
			t.Errorf("state reset %v: exit 0", bad)
		}
		if n := len(stateJSON(t, dest)); n != 2 {
			t.Errorf("state reset %v (%s): %d cursors left, want 2 (nothing changed)", bad, strings.TrimSpace(stderr), n)
		}
	}

	code, stdout, stderr = run(t, nil, "state", "reset", spec, "--dest", dest, "--resource", "issues", "--parent", o2)
	if code != ExitOK || stdout != "reset 1 cursor(s) of tracker.issues\n" {
		t.Fatalf("state reset --parent: exit %d\n%s%s", code, stdout, stderr)
	}
	if left := stateJSON(t, dest); len(left) != 1 || left[0]["parent_key"] == o2 {
		t.Fatalf("after reset of one parent: %v", left)
	}
	code, stdout, stderr = run(t, nil, "state", "reset", spec, "--dest", dest, "--resource", "issues")
	if code != ExitOK || stdout != "reset 1 cursor(s) of tracker.issues\n" {
		t.Fatalf("state reset: exit %d\n%s%s", code, stdout, stderr)
	}
	if left := stateJSON(t, dest); len(left) != 0 {
		t.Fatalf("after reset of the resource: %v", left)
	}
	loadTracker(t, dest)
	if after := stateJSON(t, dest); len(after) != 2 {
		t.Errorf("after a rerun: %v, want both cursors again", after)
	}
}

// updatedTimes are the times cursors were committed, in pipe state's text.
var updatedTimes = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}`)

func stateJSON(t *testing.T, dest string) []map[string]any {
	t.Helper()
	code, stdout, stderr := run(t, nil, "state", filepath.Join("testdata", "tracker.yml"), "--dest", dest, "--json")
	if code != ExitOK {
		t.Fatalf("state --json: exit %d\n%s", code, stderr)
	}
	var out []map[string]any
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("state --json: %v\n%s", err, stdout)
	}
	return out
}
