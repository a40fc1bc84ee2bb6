// Package redistest starts a real redis-server for tests, on a free
// loopback port, with persistence off. When redis-server is not
// installed the test is skipped, or fails if the environment variable CI
// is set (CI must install it: apt-get install -y redis-server).
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Start runs a redis-server for the rest of the test and returns a client
// connected to it (closed, and the server stopped, when the test ends).
func Start(t testing.TB) *redis.Client {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server not installed (CI must install it: apt-get install -y redis-server)")
		}
		t.Skip("redis-server not installed")
	}
	var lastErr error
	for range 3 {
		c, err := start(t, bin)
		if err == nil {
			return c
		}
		lastErr = err
	}
	t.Fatalf("redis-server: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string) (*redis.Client, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p := strconv.Itoa(port)
	cmd := exec.Command(bin, "--port", p, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", t.TempDir(), "--logfile", "")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + p})
	stop := func() {
		client.Close()
		cmd.Process.Kill()
		<-exited
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := client.Ping(ctx).Err()
		cancel()
		if err == nil {
			t.Cleanup(stop)
			return client, nil
		}
		select {
		case werr := <-exited:
			client.Close()
			return nil, fmt.Errorf("exited early (port %s taken?): %v", p, werr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("no answer on port %s: %w", p, err)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
