package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestVerboseLogsEveryRequest: -v logs each request at debug level with
// its method, redacted URL, status, bytes, duration and attempt, and
// never the token.
func TestVerboseLogsEveryRequest(t *testing.T) {
	srv := usersAPI(t)
	db := filepath.Join(t.TempDir(), "users.db")
	env := map[string]string{"USERS_TOKEN": "tok-123456"}
	code, stdout, stderr := run(t, env, "run", "testdata/users.yml", "--base-url", srv.URL+"/", "--dest", db, "-v")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	line := regexp.MustCompile(`level=DEBUG msg=request method=GET url="` + regexp.QuoteMeta(srv.URL) + `/users\?limit=2&offset=(\d)" attempt=1 duration=\S+ status=200 bytes=\d+`)
	if got := len(line.FindAllString(stderr, -1)); got != 3 {
		t.Errorf("%d request lines, want 3 (offsets 0, 2, 4):\n%s", got, stderr)
	}
	if strings.Contains(stdout+stderr, "tok-123456") {
		t.Error("the token appears in the output")
	}
	_, _, quiet := run(t, env, "run", "testdata/users.yml", "--base-url", srv.URL+"/", "--dest", db)
	if strings.Contains(quiet, "msg=request") {
		t.Errorf("requests logged without -v:\n%s", quiet)
	}
}
