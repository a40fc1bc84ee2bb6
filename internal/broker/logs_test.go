package broker_test

import (
	"bytes"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/internal/broker"
)

// syncBuffer is a bytes.Buffer safe for the handler's concurrent writes.
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

// TestLogsHoldNoSecrets drives every route, failures included, with a
// debug logger and checks that no secret reached the log.
func TestLogsHoldNoSecrets(t *testing.T) {
	var buf syncBuffer
	h := newHarness(t, func(c *broker.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	h.seed()
	h.call("GET", "/v1/credentials", h.creds(), apiKey)
	q := h.creds()
	q.Set("refresh_key", h.p.IssueRefreshToken())
	h.call("PUT", "/v1/credentials", q, apiKey)
	h.call("DELETE", "/v1/cache", url.Values{"org_id": {"org-1"}, "client_id": {h.p.ClientID}}, apiKey)
	r := registerApp(t, h, "https://b/cb", nil)
	back := authorize(t, r.body["auth_urls"].(map[string]any)["https://b/cb"].(string))
	h.call("GET", "/v1/callback", back, "")
	h.p.AfterRotate(func() { h.vault.Seal(true) })
	h.call("DELETE", "/v1/cache", url.Values{"org_id": {"org-1"}, "client_id": {h.p.ClientID}}, apiKey)
	h.call("GET", "/v1/credentials", h.creds(), apiKey) // rotation not stored: logged as an error
	h.call("GET", "/v1/credentials", h.creds(), "wrong-key")

	logs := buf.String()
	if !strings.Contains(logs, "rotated refresh token not stored") || !strings.Contains(logs, `"path":"/v1/credentials"`) {
		t.Fatalf("expected log lines missing:\n%s", logs)
	}
	secrets := append(h.p.Issued(), h.p.ClientSecret, apiKey, "snyk-api-token", h.vault.Token, back.Get("code"), back.Get("state"))
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("log contains a secret %.6s...", s)
		}
	}
	if strings.Contains(logs, "client_secret=") {
		t.Errorf("log contains a query string")
	}
}
