package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	code, stdout, _ := run(t, nil, "version")
	if code != ExitOK || !strings.HasPrefix(stdout, "pipe ") || !strings.Contains(stdout, "\ncommit ") || !strings.Contains(stdout, runtime.Version()) {
		t.Errorf("version: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run(t, nil, "version", "--json")
	var bi buildInfo
	if err := json.Unmarshal([]byte(stdout), &bi); code != ExitOK || err != nil || bi.Go != runtime.Version() || bi.Version == "" {
		t.Errorf("version --json: exit %d, %v\n%s", code, err, stdout)
	}
}

func TestLogFormatJSON(t *testing.T) {
	api := newTrackerAPI(t)
	db := filepath.Join(t.TempDir(), "t.db")
	code, _, stderr := run(t, nil, "run", filepath.Join("testdata", "tracker.yml"), "--base-url", api.URL+"/", "--dest", db, "--log-format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// Every line of stderr is JSON, progress included.
	var logged []map[string]any
	progress := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("stderr line is not JSON: %v\n%s", err, line)
		}
		logged = append(logged, m)
		if m["msg"] == "progress" {
			progress[fmt.Sprint(m["resource"])] = fmt.Sprint(m["status"])
		}
	}
	if len(logged) == 0 || logged[0]["msg"] != "run" || logged[0]["level"] != "INFO" {
		t.Errorf("JSON log lines = %v\n%s", logged, stderr)
	}
	if !strings.HasPrefix(progress["issues"], "done ") || !strings.HasPrefix(progress["orgs"], "done ") {
		t.Errorf("progress records = %v, want issues and orgs done\n%s", progress, stderr)
	}
	if code, _, stderr := run(t, nil, "version", "--log-format", "xml"); code != ExitUsage || !strings.Contains(stderr, "--log-format") {
		t.Errorf("--log-format xml: exit %d\n%s", code, stderr)
	}
}
