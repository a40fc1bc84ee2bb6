package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCPUProfileEnv checks that $PIPE_CPUPROFILE makes a command write a
// CPU profile (gzip-compressed, as pprof writes and reads it), and that a path it cannot create is an
// error before the command runs.
func TestCPUProfileEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	if code, _, stderr := run(t, map[string]string{cpuProfileEnv: path}, "version"); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Errorf("profile of %d bytes is not gzip: % x", len(b), b[:min(len(b), 8)])
	}
	bad := filepath.Join(t.TempDir(), "missing", "cpu.prof")
	if code, stdout, _ := run(t, map[string]string{cpuProfileEnv: bad}, "version"); code != ExitUsage || stdout != "" {
		t.Errorf("unwritable profile path: exit %d, stdout %q; want exit %d before the command runs", code, stdout, ExitUsage)
	}
}
