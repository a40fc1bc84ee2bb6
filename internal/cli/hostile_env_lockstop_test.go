package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// TestInterruptWhileLocked: a run that meets a lock another session
// holds (the SQLite file's write lock, a Postgres table in ACCESS
// EXCLUSIVE mode) and gets SIGINT, as a user at a terminal sends it,
// stops then: it exits 1 saying it was interrupted, not after the wait
// (SQLite's busy timeout would end it with "database is locked";
// Postgres would wait for ever), while the lock is still held.
func TestInterruptWhileLocked(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	t.Run("SQLite", func(t *testing.T) {

		dir := t.TempDir()
		a := newEnvAPI(t, 2, 30)
		spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
		if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
			t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
		}
		a.Change()
		release := holdSQLiteWriteLock(t, path)
		defer release()
		want := a.served.Load() + 3
		interruptWhenWaiting(t, envArgs(spec, a, path), func() bool { return a.served.Load() >= want }, `database is locked`)
	})
	t.Run("Postgres", func(t *testing.T) {
		dsn, app, db := pgEnvDest(t)
		a := newEnvAPI(t, 2, 30)
		spec := writeEnvSpec(t, t.TempDir())
		if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
			t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
		}
		a.Change()
		release := holdPgTableLock(t, dsn, "items")
		defer release()
		interruptWhenWaiting(t, envArgs(spec, a, dsn), func() bool { return pgWaitingForLock(t, db, app) }, `lock timeout`)
		// Ctrl-C is then the way out of TestPostgresTableLockedWaitsVisibly's
		// endless wait.
	})
}

// interruptWhenWaiting runs pipe with args in a process, sends it SIGINT
// once waiting() is true, and checks that it ends saying it was
// interrupted, and not with notTheCause.
func interruptWhenWaiting(t *testing.T, args []string, waiting func() bool, notTheCause string) {
	t.Helper()
	var out bytes.Buffer
	cmd := envChild(t, os.Args[0], args, "", &out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for !waiting() {
		select {
		case err := <-exited:
			t.Fatalf("the run ended (%v) before waiting for the lock\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(60 * time.Second): // a hang guard
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("pipe still waiting for the lock 60 s after SIGINT\n%s", out.String())
	}
	code, sig := childExit(err)
	t.Logf("exit %d\n%s", code, out.String())
	if code != ExitFailed {
		t.Errorf("exit %d (signal %v) after SIGINT, want 1", code, sig)
	}
	// Postgres's own word for the cancel pipe sends it on SIGINT names
	// it too.
	if !regexp.MustCompile(`interrupt|canceling statement due to user request`).MatchString(out.String()) || regexp.MustCompile(notTheCause).MatchString(out.String()) {
		t.Errorf("the output does not say the run was interrupted (or says %q)", notTheCause)
	}
}

// TestSecondInterruptStops: a user whose first Ctrl-C does not end pipe
// at once (here it waits out SQLite's busy timeout, see
// TestInterruptWhileLocked) presses it again, and expects the process to
// end then, as most command-line tools do (pipe used to keep catching
// SIGINT until it returned, swallowing the second).
func TestSecondInterruptStops(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	a := newEnvAPI(t, 2, 30)
	spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	a.Change()
	release := holdSQLiteWriteLock(t, path)
	defer release()
	want := a.served.Load() + 3
	var out bytes.Buffer
	cmd := envChild(t, os.Args[0], envArgs(spec, a, path), "", &out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for a.served.Load() < want {
		select {
		case err := <-exited:
			t.Fatalf("the run ended (%v) before its requests\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(500 * time.Millisecond) // orchestration: two signals, not one coalesced
	_ = cmd.Process.Signal(syscall.SIGINT)
	err := <-exited
	code, sig := childExit(err)
	t.Logf("exit %d (signal %v)\n%s", code, sig, out.String())
	if sig != syscall.SIGINT && regexp.MustCompile(`database is locked`).MatchString(out.String()) {
		t.Errorf("pipe ran on to the end of its lock wait after a second SIGINT")
	}
}
