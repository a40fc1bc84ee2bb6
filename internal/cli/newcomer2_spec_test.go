package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nc2Spec writes the engine's testdata spec vendor with each old of
// oldNew replaced by the new after it into a temporary file, and returns
// its path.
func nc2Spec(t *testing.T, vendor string, oldNew ...string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "engine", "testdata", "apis", vendor+".yml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for i := 0; i+1 < len(oldNew); i += 2 {
		if !strings.Contains(text, oldNew[i]) {
			t.Fatalf("%s.yml has no %q", vendor, oldNew[i])
		}
		text = strings.ReplaceAll(text, oldNew[i], oldNew[i+1])
	}
	path := filepath.Join(t.TempDir(), vendor+".yml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestNewcomer2ValidateTotalPathPlaceholder (type 3): Sumo Logic's search
// job counts its messages in the parent status record (messageCount); a
// newcomer writes it as the messages walk's total,
// total_path: "{resources.job_status.messageCount}". `pipe validate`
// says ok; the run then fails on page 1 with `offset: total_path
// "{resources.job_status.messageCount}" is object {}, want a whole
// number` (gjson reads the braces as a multipath; engine's
// TestNewcomer2SumoTotalPathPlaceholder). The README's placeholders are
// read in "base_url, path, params, headers, JSON and form bodies, auth
// fields", not in paths into the response, so validate should refuse it
// at the field: `…paginator.total_path: a path into each page, where
// placeholders are not read ({resources.job_status.messageCount}); a
// total from a parent record cannot be written`.
func TestNewcomer2ValidateTotalPathPlaceholder(t *testing.T) {
	spec := nc2Spec(t, "newcomer2_sumo", "paginator: {type: offset, limit: 2}",
		`paginator: {type: offset, limit: 2, total_path: "{resources.job_status.messageCount}"}`)
	code, stdout, stderr := run(t, nil, "validate", spec)
	if code != ExitUsage || !strings.Contains(stderr, "resources[2].endpoint.paginator.total_path") || !strings.Contains(stderr, "placeholder") {
		t.Errorf("exit %d, want 2 naming total_path and placeholders:\n%s%s", code, stdout, stderr)
	}
}

// TestNewcomer2PlanLoginJSONNull (type 2): AWX's token request body holds
// "application": null. `pipe plan` prints the login's json as
// `json {application: <nil>, …}`, Go's text for a nil value, where the
// request sends JSON null; it should print `application: null`.
func TestNewcomer2PlanLoginJSONNull(t *testing.T) {
	spec := filepath.Join("..", "..", "engine", "testdata", "apis", "newcomer2_awx.yml")
	code, stdout, stderr := run(t, nil, "plan", spec)
	if code != ExitOK || !strings.Contains(stdout, "json {application: null, ") {
		t.Errorf("exit %d, want json {application: null, …}:\n%s%s", code, stdout, stderr)
	}
}

// TestNewcomer2PlanLoginJSONLiteralHidden (type 2): the README says pipe
// plan shows "a credential written literally in the spec" as ***; a login
// body's literal field that is no credential (AWX's token description,
// "pipe load") is shown as *** too, as is every field whose name is not
// one of a fixed list (scope, username, client_id, …); `scope: "read"`
// is shown. No value of a secret is read.
func TestNewcomer2PlanLoginJSONLiteralHidden(t *testing.T) {
	spec := filepath.Join("..", "..", "engine", "testdata", "apis", "newcomer2_awx.yml")
	env := map[string]string{"AWX_USER": "svc-pipe", "AWX_PASSWORD": "Tr0ub4dor&3:horse"}
	code, stdout, stderr := run(t, env, "plan", spec)
	if code != ExitOK || !strings.Contains(stdout, `description: "***", scope: "read"}`) ||
		!strings.Contains(stdout, `basic {username: "{secrets.awx_user}", password: "{secrets.awx_password}"}`) {
		t.Errorf("exit %d:\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "Tr0ub4dor") || strings.Contains(stdout+stderr, "pipe load") {
		t.Errorf("plan shows a value it hides:\n%s", stdout)
	}
}
