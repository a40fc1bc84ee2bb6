package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
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

// TestStoppedRunSummaryShowsSavedCursors: a run stopped before its first
// checkpoint commits no cursor, so its summary must not say "cursor now"
// with a value that pipe state does not hold: a user reading it would
// believe the next run starts there.
func TestStoppedRunSummaryShowsSavedCursors(t *testing.T) {
	dir := t.TempDir()
	a := newEnvAPI(t, 3, 100)
	spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	saved := savedCursors(t, spec, path)
	a.Change()
	a.HoldAt(7) // the last request: every other chain has completed
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-a.Reached()
		cancel() // as SIGINT does
	}()
	var out, errOut bytes.Buffer
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
		getenv: func(k string) (string, bool) { v, ok := envVars[k]; return v, ok }, logLevel: new(slog.LevelVar)}
	if code := e.run(envArgs(spec, a, path)); code != ExitFailed {
		t.Fatalf("stopped run: exit %d, want 1\n%s%s", code, out.String(), errOut.String())
	}
	if got := savedCursors(t, spec, path); !slices.Equal(got, saved) {
		t.Fatalf("a run stopped before its first checkpoint saved cursors %v (had %v)", got, saved)
	}
	for _, m := range regexp.MustCompile(`cursor now (\S+)`).FindAllStringSubmatch(out.String(), -1) {
		if !slices.Contains(saved, m[1]) {
			t.Errorf("the summary says cursor now %s; saved cursors are %v\n%s", m[1], saved, out.String())
		}
	}
}

// savedCursors returns the cursors pipe state shows for the spec's
// items, sorted.
func savedCursors(t *testing.T, spec, path string) []string {
	t.Helper()
	code, stdout, stderr := run(t, nil, "state", spec, "--dest", path, "--json")
	if code != ExitOK {
		t.Fatalf("pipe state: exit %d\n%s", code, stderr)
	}
	var st []struct{ Cursor string }
	if err := json.Unmarshal([]byte(stdout), &st); err != nil {
		t.Fatalf("pipe state --json: %v\n%s", err, stdout)
	}
	var out []string
	for _, s := range st {
		out = append(out, s.Cursor)
	}
	slices.Sort(out)
	return out
}

// TestSignalledPostgresRunStopsAndResumes is TestSignalledRunStopsAndResumes
// into Postgres (SIGTERM, as a scheduler or systemd stops a job): exit 1
// naming the signal, the dataset as before the run (no checkpoint), the
// load recorded failed, no session left behind, and a rerun exact.
func TestSignalledPostgresRunStopsAndResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dsn, app, db := pgEnvDest(t)
	a := newEnvAPI(t, 3, 100)
	spec := writeEnvSpec(t, t.TempDir())
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	before := pgDump(t, db)
	a.Change()
	a.HoldAt(5)
	var out bytes.Buffer
	cmd := envChild(t, os.Args[0], envArgs(spec, a, dsn), "", &out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-a.Reached():
	case err := <-exited:
		t.Fatalf("the run ended (%v) before the held request\n%s", err, out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(30 * time.Second): // a hang guard
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("pipe still running 30 s after SIGTERM\n%s", out.String())
	}
	code, sig := childExit(err)
	t.Logf("exit %d\n%s", code, out.String())
	if code != ExitFailed || !strings.Contains(out.String(), "terminated") {
		t.Errorf("exit %d (signal %v) after SIGTERM, want 1 saying terminated", code, sig)
	}
	if after := pgDump(t, db); after != before {
		t.Errorf("a run stopped before its first checkpoint changed the dataset")
	}
	// A backend ends a moment after its client's socket closes.
	for left, guard := pgBackends(t, db, app), time.After(10*time.Second); len(left) != 0; left = pgBackends(t, db, app) {
		select {
		case <-guard:
			t.Fatalf("sessions left 10 s after pipe exited: %v", left)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if loads := loadStatuses(t, db, "_pipe_loads"); loads[len(loads)-1][0] != "failed" {
		t.Errorf("loads %q: want the signalled one failed", loads)
	}
	a.Release()
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
		t.Fatalf("rerun: exit %d\n%s%s", code, stdout, stderr)
	}
	checkEnvTables(t, db, a)
}
