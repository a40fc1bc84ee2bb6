package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/internal/dbcheck"
)

// TestSignalledRunStopsAndResumes: SIGTERM or SIGINT while a request of
// an incremental run is in flight stops pipe soon (its context ends the
// request), exits 1 saying the run was interrupted, records the load as
// failed, and leaves the database as its last checkpoint left it: as it
// was before the run when there was none, and in any case such that a
// rerun loads exactly what the API holds (no cursor passed rows that
// were not committed).
func TestSignalledRunStopsAndResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		for _, checkpoint := range []int{20, 100000} {
			t.Run(sig.String()+" checkpoint-rows "+strconv.Itoa(checkpoint), func(t *testing.T) {
				dir := t.TempDir()
				a := newEnvAPI(t, 3, 100)
				spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
				if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
					t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
				}
				before := sqliteDump(t, path)
				a.Change()
				a.HoldAt(5)

				var out bytes.Buffer
				cmd := envChild(t, os.Args[0], envArgs(spec, a, path, "--checkpoint-rows", strconv.Itoa(checkpoint)), "", &out)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				select {
				case <-a.Reached():
				case err := <-exited:
					t.Fatalf("the run ended (%v) before the held request\n%s", err, out.String())
				case <-time.After(60 * time.Second):
					_ = cmd.Process.Kill()
					t.Fatal("the run never made the held request")
				}
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				var err error
				select {
				case err = <-exited:
				case <-time.After(30 * time.Second):
					_ = cmd.Process.Kill()
					<-exited
					t.Fatalf("pipe still running 30 s after %v\n%s", sig, out.String())
				}
				code, killed := childExit(err)
				t.Logf("exit %d, output:\n%s", code, out.String())
				if code != ExitFailed {
					t.Errorf("exit %d (signal %v) after %v, want 1", code, killed, sig)
				}
				if !regexp.MustCompile(`(?i)interrupt|signal|cancel`).MatchString(out.String()) {
					t.Errorf("the output does not say the run was interrupted")
				}
				noEnvSecret(t, "the output", out.String())
				db := dbcheck.Open(t, path)
				loads := loadStatuses(t, db, "_pipe_loads")
				if last := loads[len(loads)-1]; last[0] != "failed" {
					t.Errorf("the signalled load is %q (%s), want failed", last[0], last[1])
				}
				if checkpoint == 100000 {
					if after := sqliteDump(t, path); after != before {
						t.Errorf("a run stopped before its first checkpoint changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
					}
				}
				a.Release()
				if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
					t.Fatalf("rerun: exit %d\n%s%s", code, stdout, stderr)
				}
				checkEnvTables(t, db, a)
			})
		}
	}
}
