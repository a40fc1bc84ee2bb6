package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// TestHostileEnvChild is the pipe process of the hostile-machine tests
// that need one of their own (a signal, a resource limit, another user):
// it runs the command line in PIPE_HOSTILE_ARGS (JSON) and exits with
// its code. It runs only when re-executed.
func TestHostileEnvChild(t *testing.T) {
	if os.Getenv("PIPE_HOSTILE_CHILD") != "1" {
		t.Skip("helper process for the hostile_env tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv("PIPE_HOSTILE_ARGS")), &args); err != nil {
		panic(err)
	}
	os.Exit(Run(args, nil, os.Stdout, os.Stderr))
}

// envChild returns the command that runs pipe with args in a process of
// its own, with the token in its environment. With a shell script, the
// process is sh -c script, and the script must end in exec "$@" (which
// runs pipe), so that it can set limits and signal dispositions first.
// Stdout and stderr are collected in out.
func envChild(t *testing.T, bin string, args []string, script string, out *bytes.Buffer) *exec.Cmd {
	t.Helper()
	enc, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	argv := []string{bin, "-test.run=^TestHostileEnvChild$"}
	var cmd *exec.Cmd
	if script != "" {
		cmd = exec.Command("sh", append([]string{"-c", script, "sh"}, argv...)...)
	} else {
		cmd = exec.Command(argv[0], argv[1:]...)
	}
	cmd.Env = append(os.Environ(), "PIPE_HOSTILE_CHILD=1", "PIPE_HOSTILE_ARGS="+string(enc), "ENVLOAD_TOKEN="+envToken)
	cmd.Stdout, cmd.Stderr = out, out
	return cmd
}

// childExit is the exit code of a finished child, or -1 with the signal
// that ended it.
func childExit(err error) (int, syscall.Signal) {
	if err == nil {
		return 0, 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1, ws.Signal()
		}
		return ee.ExitCode(), 0
	}
	return -1, 0
}

// binaryFor returns a copy of the test binary that uid can run, in a
// directory of dir, for a child run as another user.
func binaryFor(t *testing.T, dir string) string {
	t.Helper()
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bin := filepath.Join(dir, "pipe.test")
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return bin
}
