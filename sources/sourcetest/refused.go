package sourcetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/internal/cli"
)

// Unsetenv unsets the environment variables keys for the rest of the
// test (a setting of the machine must not reach a test of what a missing
// one does) and restores them after it.
func Unsetenv(t *testing.T, keys ...string) {
	t.Helper()
	for _, k := range keys {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// RunRefused runs `pipe run NAME ARGS --dest FILE` into a new SQLite file
// and fails the test unless the run stops with exit code 2 before it
// creates the database, naming each of wants on stderr. It returns what
// the run printed, stdout then stderr.
func RunRefused(t *testing.T, name string, args []string, wants ...string) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), name+".db")
	var out, errOut strings.Builder
	code := cli.Run(append(append([]string{"run", name}, args...), "--dest", db), strings.NewReader(""), &out, &errOut)
	if code != cli.ExitUsage {
		t.Errorf("exit %d, want %d\n%s%s", code, cli.ExitUsage, out.String(), errOut.String())
	}
	for _, w := range wants {
		if !strings.Contains(errOut.String(), w) {
			t.Errorf("stderr does not name %s:\n%s", w, errOut.String())
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("the run created the database before checking its settings")
	}
	return out.String() + errOut.String()
}
