package cli

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets/secretstest"
)

// TestAuthServe starts `pipe auth serve` on a free port against a fake
// Vault, checks the snykey API key rule and error shape over HTTP, and
// stops it by cancelling its context.
func TestAuthServe(t *testing.T) {
	vault := secretstest.NewVault(t)
	envVars := map[string]string{"API_KEY": "broker-key", "VAULT_ADDR": vault.URL, "VAULT_TOKEN": vault.Token}
	base, stop := startAuthServe(t, envVars)

	get := func(key string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/credentials?org_id=o1&client_id=c1&client_secret=s", nil)
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(""); code != http.StatusUnauthorized || !strings.Contains(body, `"error":"Unauthorized: Invalid or missing API key"`) {
		t.Errorf("without X-API-Key: %d %s", code, body)
	}
	if code, body := get("broker-key"); code != http.StatusNotFound || !strings.Contains(body, `"error"`) {
		t.Errorf("unknown credential: %d %s, want 404 with a snykey error body", code, body)
	}
	if code := stop(); code != ExitOK {
		t.Errorf("serve exited %d after cancel", code)
	}
}

// startAuthServe starts `pipe auth serve` on a free loopback port with
// the environment envVars and the extra flags, and returns the base URL
// it listens on and stop, which cancels it and returns its exit code.
func startAuthServe(t *testing.T, envVars map[string]string, extra ...string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: pw, stderr: io.Discard, logLevel: new(slog.LevelVar),
			getenv: func(k string) (string, bool) { v, ok := envVars[k]; return v, ok }}
		done <- e.run(append([]string{"auth", "serve", "--addr", "127.0.0.1:0"}, extra...))
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line: %v", err)
	}
	go io.Copy(io.Discard, pr)
	stop := func() int {
		t.Helper()
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not stop")
			return -1
		}
	}
	return regexp.MustCompile(`http://\S+`).FindString(line), stop
}
