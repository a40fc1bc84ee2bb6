package jobs_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildPipe builds the pipe binary once per test binary.
var buildPipe = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "pipe-jobs-test")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "pipe")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, "../../cmd/pipe")...).CombinedOutput()
	if err != nil {
		return "", &buildError{err, out}
	}
	return bin, nil
})

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }

func pipeBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the pipe binary and starts processes")
	}
	bin, err := buildPipe()
	if err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// proc is a pipe process the test started; its output is kept for
// failure messages.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start starts bin with args and env added to the test's environment;
// the process is killed at cleanup if still running.
func start(t testing.TB, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, p.out)
		}
	})
	return p
}

// stop ends a process with SIGTERM and waits for it.
func (p *proc) stop(t testing.TB) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(90 * time.Second):
		t.Errorf("%s did not stop on SIGTERM", p.name)
	}
}

// waitStarted waits until p, a pipe worker or serve, has started River's
// client; it fails the test if p exits first.
func (p *proc) waitStarted(t testing.TB) {
	t.Helper()
	waitFor(t, 2*time.Minute, p.name+" to start", func() (bool, error) {
		select {
		case <-p.done:
			return false, fmt.Errorf("%s exited:\n%s", p.name, p.out)
		default:
		}
		return strings.Contains(p.out.String(), "River client started"), nil
	})
}

// waitFor polls cond until it holds; it fails the test after timeout.
// pipeRunner returns a function that runs bin with args and env added to
// this process's environment, and returns its output, failing t if it
// exits non-zero.
func pipeRunner(t testing.TB, bin string, env []string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(cmd.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pipe %s: %v\n%s", args[0], err, out)
		}
		return string(out)
	}
}

func waitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// count runs a count query.
func count(db *sql.DB, q string, args ...any) (int, error) {
	var n int
	err := db.QueryRow(q, args...).Scan(&n)
	return n, err
}
