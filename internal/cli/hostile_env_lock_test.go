package cli

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/internal/dbcheck"
)

// holdSQLiteWriteLock opens another connection to the SQLite file (as
// another process's sqlite3 would) and holds its write lock (BEGIN
// IMMEDIATE) until the returned function is called.
func holdSQLiteWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.Close()
		}
	}
	t.Cleanup(release)
	return release
}

// TestSQLiteLockedByAnotherProcess: while another connection holds the
// database file's write lock, a run waits for it (SQLite's busy timeout):
// released in time, the run completes exactly; never released, the run
// fails after a bounded wait, naming the lock and the file, and changes
// nothing.
func TestSQLiteLockedByAnotherProcess(t *testing.T) {
	t.Parallel()
	t.Run("released while the run waits", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		a := newEnvAPI(t, 2, 30)
		spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
		if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
			t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
		}
		a.Change()
		release := holdSQLiteWriteLock(t, path)
		want := a.served.Load() + 3 // projects, and one page of changes per project
		var out, errOut syncBuffer
		done := runAsyncEnv(envArgs(spec, a, path), envVars, &out, &errOut)
		// Release once the API has answered every request, or after a
		// second (well within the 10 s busy timeout) if the run waits
		// for the lock before it asks.
		deadline := time.After(time.Second)
	wait:
		for a.served.Load() < want {
			select {
			case code := <-done:
				t.Fatalf("the run ended (exit %d) while the lock was held\n%s%s", code, out.String(), errOut.String())
			case <-deadline:
				break wait
			case <-time.After(10 * time.Millisecond):
			}
		}
		release()
		if code := <-done; code != ExitOK {
			t.Fatalf("run after the lock was released: exit %d\n%s%s", code, out.String(), errOut.String())
		}
		checkEnvTables(t, dbcheck.Open(t, path), a)
	})
	t.Run("never released", func(t *testing.T) {
		t.Parallel()
		if testing.Short() {
			t.Skip("waits out the busy timeout")
		}
		dir := t.TempDir()
		a := newEnvAPI(t, 2, 30)
		spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
		if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
			t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
		}
		before := sqliteDump(t, path)
		a.Change()
		release := holdSQLiteWriteLock(t, path)
		code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...)
		release()
		t.Logf("exit %d\n%s%s", code, stdout, stderr)
		if code != ExitFailed {
			t.Errorf("exit %d with the file locked throughout, want 1", code)
		}
		for _, w := range []string{"locked", path} {
			if !strings.Contains(stdout+stderr, w) {
				t.Errorf("the output does not say %q", w)
			}
		}
		if after := sqliteDump(t, path); after != before {
			t.Errorf("the database changed")
		}
		if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
			t.Fatalf("rerun: exit %d\n%s%s", code, stdout, stderr)
		}
		checkEnvTables(t, dbcheck.Open(t, path), a)
	})
}

// runAsyncEnv is runAsync with an environment.
func runAsyncEnv(args []string, vars map[string]string, stdout, stderr *syncBuffer) <-chan int {
	done := make(chan int, 1)
	e := &env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr,
		getenv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, logLevel: new(slog.LevelVar)}
	go func() { done <- e.run(args) }()
	return done
}

// TestSQLiteLockedSaysWhatItWaitsFor: while another connection holds
// the file's write lock, a run waits for it (SQLite's busy timeout); it
// says so on stderr as it starts waiting, naming the file, and its
// error names the file and the other writer. (It used to wait 20 s in
// silence and fail with a bare "database is locked".)
func TestSQLiteLockedSaysWhatItWaitsFor(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the busy timeout")
	}
	t.Parallel()
	dir := t.TempDir()
	a := newEnvAPI(t, 2, 30)
	spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	a.Change()
	release := holdSQLiteWriteLock(t, path)
	defer release()
	args := envArgs(spec, a, path)
	// Without -q, progress lines and logs share stderr: a buffer that
	// takes concurrent writes, as a file does.
	var out, errOut syncBuffer
	code := <-runAsyncEnv(args[:len(args)-1], envVars, &out, &errOut)
	stderr := errOut.String()
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "waiting") || !strings.Contains(stderr, path) || !strings.Contains(stderr, "another") {
		t.Errorf("stderr does not say, naming %s, that it waits for another writer:\n%s", path, stderr)
	}
}

// TestSQLiteRunLockFileRemoved: the run lock of a SQLite destination is a
// flock on <db>-pipelock. A cleanup job that deletes the lock file while
// a run holds it leaves the run locking a file nobody else opens, and
// pipe state reset finds the new lock file free. Unlike Postgres
// (TestPostgresRunLockSessionKilled), the run also holds the file's
// SQLite write lock from its start, so the reset cannot interleave: it
// fails (after SQLite's busy timeout, 10 s, "database is locked") and the
// run completes with its cursors.
func TestSQLiteRunLockFileRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the busy timeout")
	}
	t.Parallel()
	dir := t.TempDir()
	a := newEnvAPI(t, 3, 100)
	spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	a.Change()
	a.HoldAt(5)
	var out, errOut syncBuffer
	done := runAsyncEnv(envArgs(spec, a, path), envVars, &out, &errOut)
	select {
	case <-a.Reached():
	case code := <-done:
		t.Fatalf("the run ended (exit %d) before the held request\n%s%s", code, out.String(), errOut.String())
	}
	if err := os.Remove(path + "-pipelock"); err != nil {
		t.Fatal(err)
	}
	rcode, rout, rerr := run(t, nil, "state", "reset", spec, "--dest", path, "--resource", "items")
	t.Logf("state reset during the run: exit %d\n%s%s", rcode, rout, rerr)
	a.Release()
	code := <-done
	t.Logf("run: exit %d\n%s%s", code, out.String(), errOut.String())
	var cursors int
	if err := dbcheck.Open(t, path).QueryRow(`SELECT count(*) FROM _pipe_state WHERE resource = 'items'`).Scan(&cursors); err != nil {
		t.Fatal(err)
	}
	if rcode == ExitOK && code == ExitOK && cursors > 0 {
		t.Errorf("state reset said it reset the cursors, the run exited 0, and %d cursors of items are back", cursors)
	}
	if code != ExitOK || rcode != ExitFailed {
		t.Errorf("run exit %d, reset exit %d: want the run to complete and the reset to fail", code, rcode)
	}
}
