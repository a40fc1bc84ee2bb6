package cli

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestShowServesOnLoopback runs pipe show on a loaded database, reads
// the URL it prints, gets pages, and stops it by cancelling its context.
func TestShowServesOnLoopback(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tracker.db")
	loadTracker(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var errOut strings.Builder
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: pw, stderr: &errOut,
		getenv: func(string) (string, bool) { return "", false }, logLevel: new(slog.LevelVar)}
	done := make(chan int, 1)
	go func() {
		done <- e.run([]string{"show", "--dest", db})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL printed: %v (stderr: %s)", err, errOut.String())
	}
	url := strings.Fields(strings.TrimPrefix(line, "pipe show: "))[0]
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("URL %q is not on loopback", url)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	for _, path := range []string{"", "tables", "tables/issues", "state", "query"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "pipe show") {
			t.Errorf("GET /%s: %s\n%s", path, resp.Status, body)
		}
	}
	// A name other than loopback's (DNS rebinding) is refused.
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = "attacker.example:80"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("Host attacker.example: %s, want 421", resp.Status)
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Errorf("exit %d after interrupt\n%s", code, errOut.String())
	}
}

func TestShowRefusesOtherAddresses(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tracker.db")
	loadTracker(t, db)
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:80", "nonsense"} {
		code, _, stderr := run(t, nil, "show", "--dest", db, "--addr", addr)
		if code != ExitUsage || !strings.Contains(stderr, "--addr") {
			t.Errorf("--addr %s: exit %d\n%s", addr, code, stderr)
		}
	}
	code, _, stderr := run(t, nil, "show", "--dest", filepath.Join(t.TempDir(), "none.db"))
	if code != ExitUsage || !strings.Contains(stderr, "none.db") {
		t.Errorf("missing database: exit %d\n%s", code, stderr)
	}
}
