package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// fake is a running bin/fakeapi process.
type fake struct {
	URL    string
	cmd    *exec.Cmd
	stderr bytes.Buffer
}

// startFake starts bin/fakeapi on a free loopback port with args and
// waits for the URL it prints.
func startFake(ctx context.Context, bin string, args ...string) (*fake, error) {
	f := &fake{}
	f.cmd = exec.CommandContext(ctx, bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	f.cmd.Stderr = &f.stderr
	out, err := f.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := f.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case f.URL = <-line:
	case <-time.After(30 * time.Second):
	}
	if !strings.HasPrefix(f.URL, "http://") {
		_ = f.cmd.Process.Kill()
		_ = f.cmd.Wait()
		return nil, fmt.Errorf("%s did not print its URL: %s", bin, tail(f.stderr.String(), 300))
	}
	return f, nil
}

var requestsLog = regexp.MustCompile(`requests=(\d+)`)

// stop ends the fake and returns the number of requests it served.
func (f *fake) stop() (int, error) {
	_ = f.cmd.Process.Signal(syscall.SIGTERM)
	err := f.cmd.Wait()
	m := requestsLog.FindStringSubmatch(f.stderr.String())
	if m == nil {
		return 0, fmt.Errorf("fakeapi: no request count in its log (%v): %s", err, tail(f.stderr.String(), 300))
	}
	return strconv.Atoi(m[1])
}
