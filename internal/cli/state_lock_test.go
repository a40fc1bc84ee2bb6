package cli

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

func TestStateResetWaitsForRunSQLite(t *testing.T) {
	testStateResetWaitsForRun(t, filepath.Join(t.TempDir(), "tracker.db"))
}

func TestStateResetWaitsForRunPostgres(t *testing.T) {
	dsn, _ := pgtest.DSN(t)
	testStateResetWaitsForRun(t, dsn)
}

func TestRunWaitsForStateResetSQLite(t *testing.T) {
	testRunWaitsForStateReset(t, filepath.Join(t.TempDir(), "tracker.db"))
}

func TestRunWaitsForStateResetPostgres(t *testing.T) {
	dsn, _ := pgtest.DSN(t)
	testRunWaitsForStateReset(t, dsn)
}

// syncBuffer is a buffer written by one goroutine and read by another; it
// closes seen when its text first contains want.
type syncBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	want string
	seen chan struct{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	if s.seen != nil && strings.Contains(s.b.String(), s.want) {
		close(s.seen)
		s.seen = nil
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runAsync runs the command line in a goroutine; the exit code arrives on
// the channel, the output in the buffers.
func runAsync(args []string, stdout, stderr io.Writer) <-chan int {
	done := make(chan int, 1)
	e := &env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr,
		getenv: func(string) (string, bool) { return "", false }, logLevel: new(slog.LevelVar)}
	go func() { done <- e.run(args) }()
	return done
}

// testStateResetWaitsForRun: while a run of the pipeline is in progress,
// pipe state reset fails at once naming it and changes nothing; with
// --wait it waits for the run to end and then resets, so the run's
// cursors do not survive the reset (they would if the reset had gone
// first).
func testStateResetWaitsForRun(t *testing.T, dest string) {
	spec := filepath.Join("testdata", "tracker.yml")
	loadTracker(t, dest)

	api := newTrackerAPI(t)
	started, gate := make(chan struct{}), make(chan struct{})
	var once sync.Once
	api.hold = func() { once.Do(func() { close(started) }); <-gate }
	defer once.Do(func() {})
	var runOut, runErr syncBuffer
	runDone := runAsync([]string{"run", spec, "--base-url", api.URL + "/", "--dest", dest, "-q"}, &runOut, &runErr)
	released := false
	release := func() {
		if !released {
			released = true
			close(gate)
		}
	}
	defer release()
	<-started // the run has read its state: it holds the run lock

	code, stdout, stderr := run(t, nil, "state", "reset", spec, "--dest", dest, "--resource", "issues")
	if code != ExitFailed || !strings.Contains(stderr, "pipeline tracker has a run in progress") || !strings.Contains(stderr, "--wait") {
		t.Errorf("state reset during a run: exit %d, want %d naming the run\n%s%s", code, ExitFailed, stdout, stderr)
	}
	if n := len(stateJSON(t, dest)); n != 2 {
		t.Errorf("state reset during a run left %d cursors, want the 2 it found", n)
	}

	resetErr := &syncBuffer{want: "waiting for the run in progress to end", seen: make(chan struct{})}
	waiting := resetErr.seen
	var resetOut syncBuffer
	resetDone := runAsync([]string{"state", "reset", spec, "--dest", dest, "--resource", "issues", "--wait", "5m"}, &resetOut, resetErr)
	select {
	case <-waiting:
	case code := <-resetDone:
		t.Fatalf("state reset --wait ended during the run: exit %d\n%s%s", code, resetOut.String(), resetErr.String())
	}
	release()
	if code := <-runDone; code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, runOut.String(), runErr.String())
	}
	if code := <-resetDone; code != ExitOK || resetOut.String() != "reset 2 cursor(s) of tracker.issues\n" {
		t.Fatalf("state reset --wait: exit %d\n%s%s", code, resetOut.String(), resetErr.String())
	}
	if left := stateJSON(t, dest); len(left) != 0 {
		t.Errorf("after the run and then the reset: %v, want no cursor", left)
	}
}

// testRunWaitsForStateReset: a run that starts while the run lock is
// held exclusively (as pipe state reset holds it) waits before it reads
// its cursors, so it sees what the reset left: it requests every org's
// issues from the initial value.
func testRunWaitsForStateReset(t *testing.T, dest string) {
	spec := filepath.Join("testdata", "tracker.yml")
	loadTracker(t, dest)
	ctx := context.Background()
	d, _, err := (&env{getenv: func(string) (string, bool) { return "", false }}).openDest(ctx, dest, "tracker")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	unlock, err := d.(destinations.RunExcluder).ExcludeRuns(ctx, "tracker", false)
	if err != nil {
		t.Fatal(err)
	}
	api := newTrackerAPI(t)
	var runOut, runErr syncBuffer
	runDone := runAsync([]string{"run", spec, "--base-url", api.URL + "/", "--dest", dest, "-q"}, &runOut, &runErr)
	waitForLockWaiter(t, dest, runDone)
	// The reset, as pipe state reset does it under the lock.
	deleteCursors(t, dest)
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if code := <-runDone; code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, runOut.String(), runErr.String())
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	got := slices.Sorted(slices.Values(api.afters))
	want := []string{"o1 2020-01-01T00:00:00Z", "o2 2020-01-01T00:00:00Z"}
	if !slices.Equal(got, want) {
		t.Errorf("issue requests (org updated_after) = %q, want %q: the run read the cursors before the reset", got, want)
	}
}

func pgSchema(t *testing.T, dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("schema")
}

func deleteCursors(t *testing.T, dest string) {
	t.Helper()
	var db *sql.DB
	table := "_pipe_state"
	if strings.HasPrefix(dest, "postgres") {
		db = pgtest.Open(t, dest)
		table = pgSchema(t, dest) + "." + table
	} else {
		var err error
		if db, err = sql.Open("sqlite3", dest); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
	}
	if _, err := db.Exec(`DELETE FROM ` + table); err != nil {
		t.Fatal(err)
	}
}

// waitForLockWaiter returns once a process waits for the run lock of
// dest: an advisory lock not granted (Postgres), a blocked flock of the
// lock file in /proc/locks (SQLite on Linux; elsewhere the test skips).
func waitForLockWaiter(t *testing.T, dest string, runDone <-chan int) {
	t.Helper()
	var waiting func() bool
	if strings.HasPrefix(dest, "postgres") {
		db := pgtest.Open(t, dest)
		key := "pipe run " + pgSchema(t, dest) + ".tracker"
		waiting = func() bool {
			var n int
			q := `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = (hashtext($1)::bigint & 4294967295)::oid`
			if err := db.QueryRow(q, key).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n > 0
		}
	} else {
		fi, err := os.Stat(dest + "-pipelock")
		if err != nil {
			t.Fatal(err)
		}
		ino := fi.Sys().(*syscall.Stat_t).Ino
		if _, err := os.Stat("/proc/locks"); err != nil {
			t.Skip("no /proc/locks to see a process wait for a flock")
		}
		waiting = func() bool {
			f, err := os.Open("/proc/locks")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				l := sc.Text()
				if strings.Contains(l, "->") && strings.HasSuffix(strings.Fields(l)[len(strings.Fields(l))-3], fmt.Sprintf(":%d", ino)) {
					return true
				}
			}
			return false
		}
	}
	for !waiting() {
		select {
		case code := <-runDone:
			t.Fatalf("the run ended (exit %d) while the run lock was held exclusively", code)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
