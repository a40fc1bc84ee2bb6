package broker_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/credentials/redistest"
	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/internal/broker"
)

func TestConcurrentGetsRefreshOnce(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	h.p.SetRefreshDelay(30 * time.Millisecond)
	const n = 10
	replies := make([]reply, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = h.call("GET", "/v1/credentials", h.creds(), apiKey)
		}()
	}
	wg.Wait()
	if h.p.Refreshes() != 1 {
		t.Fatalf("refreshes at Snyk = %d, want 1", h.p.Refreshes())
	}
	for i, r := range replies {
		if r.status != 200 || r.str("access_token") != replies[0].str("access_token") {
			t.Errorf("GET %d: %d %s", i, r.status, r.raw)
		}
	}
}

// TestReplicasShareRedis runs two broker replicas on one vault, one
// Redis cache and one Redis lock: concurrent GETs across both still
// refresh once.
func TestReplicasShareRedis(t *testing.T) {
	client := redistest.Start(t)
	cache := &broker.RedisCache{Client: client}
	locker := credentials.RedisLocker{Client: client}
	h := newHarness(t, func(c *broker.Config) { c.Cache, c.Locker = cache, locker })
	h.seed()
	h.p.SetRefreshDelay(30 * time.Millisecond)
	// A second replica: same vault and Redis, its own process state.
	cfg := broker.Config{APIKey: apiKey, Store: h.store, Cache: cache, Locker: locker, RecoveryDir: h.dir,
		Endpoints: func(string) (broker.Endpoints, error) {
			return broker.Endpoints{Token: h.p.TokenURL()}, nil
		}}
	second := httptest.NewServer(broker.New(cfg))
	defer second.Close()
	replicas := []*harness{h, {t: t, srv: second}}
	var wg sync.WaitGroup
	tokens := make([]string, 8)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := replicas[i%2].call("GET", "/v1/credentials", h.creds(), apiKey)
			if r.status != 200 {
				t.Errorf("GET %d: %d %s", i, r.status, r.raw)
			}
			tokens[i] = r.str("access_token")
		}()
	}
	wg.Wait()
	if h.p.Refreshes() != 1 {
		t.Fatalf("refreshes at Snyk = %d, want 1", h.p.Refreshes())
	}
	for i := range tokens {
		if tokens[i] != tokens[0] {
			t.Errorf("replica %d handed out a different token", i%2)
		}
	}
	if ttl := client.TTL(context.Background(), "snyk:org-1:"+h.p.ClientID).Val(); ttl <= 0 || ttl > 3000*time.Second {
		t.Errorf("cache TTL = %v, want min(3000s, expires_in)", ttl)
	}
}

func TestSealedAfterRotationKeepsToken(t *testing.T) {
	h := newHarness(t, nil)
	old := h.seed()
	h.p.AfterRotate(func() { h.vault.Seal(true) })
	r := h.call("GET", "/v1/credentials", h.creds(), apiKey)
	if r.status != 503 {
		t.Fatalf("reply %d %s, want 503", r.status, r.raw)
	}
	msg := r.str("error")
	if !strings.Contains(msg, "is sealed") || !strings.Contains(msg, "the refresh token was rotated") {
		t.Errorf("error = %q", msg)
	}
	matches, _ := filepath.Glob(filepath.Join(h.dir, "recovered-snyk-org-1-"+h.p.ClientID+"-*.secret"))
	if len(matches) != 1 || !strings.Contains(msg, matches[0]) {
		t.Fatalf("recovery files %v; error %q", matches, msg)
	}
	data, _ := os.ReadFile(matches[0])
	recovered := strings.SplitN(string(data), "\n", 2)[0]
	if !h.p.RefreshUsable(recovered) || h.p.RefreshUsable(old) {
		t.Fatalf("recovery file does not hold the live token")
	}
	if strings.Contains(r.raw, recovered) {
		t.Errorf("reply contains the token")
	}
	if h.stored() != old {
		t.Fatalf("vault changed while sealed")
	}

	// Still sealed: the next GET says the token is waiting, spends nothing.
	h.p.AfterRotate(nil)
	r = h.call("GET", "/v1/credentials", h.creds(), apiKey)
	if r.status != 503 || !strings.Contains(r.str("error"), "waiting to be stored") || h.p.Refreshes() != 1 {
		t.Fatalf("second GET while sealed: %d %s (refreshes %d)", r.status, r.raw, h.p.Refreshes())
	}

	// Unsealed: the kept token is stored first, then used.
	h.vault.Seal(false)
	r = h.call("GET", "/v1/credentials", h.creds(), apiKey)
	if r.status != 200 || r.str("access_token") == "" {
		t.Fatalf("GET after unseal: %d %s", r.status, r.raw)
	}
	if h.p.Refreshes() != 2 || !h.p.RefreshUsable(h.stored()) {
		t.Fatalf("after unseal: refreshes %d, stored token usable %v", h.p.Refreshes(), h.p.RefreshUsable(h.stored()))
	}
	if _, err := os.Stat(matches[0]); !os.IsNotExist(err) {
		t.Errorf("recovery file not removed once the token was stored")
	}
}

func TestStoreForbiddenAfterRotation(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	h.vault.Deny("POST", "kv/data/snyk/org-1/"+h.p.ClientID)
	r := h.call("GET", "/v1/credentials", h.creds(), apiKey)
	if r.status != 500 || !strings.Contains(r.str("error"), "permission denied") || !strings.Contains(r.str("error"), "recovered-") {
		t.Fatalf("reply %d %s", r.status, r.raw)
	}
}

// TestTokenBrokerAgainstBroker runs the token_broker authenticator
// against this broker, including a 401 that clears the cache.
func TestTokenBrokerAgainstBroker(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	tb, err := credentials.NewTokenBroker(credentials.TokenBrokerConfig{
		BrokerURL: h.srv.URL, APIKey: apiKey, OrgID: "org-1", ClientID: h.p.ClientID, ClientSecret: h.p.ClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req := &rest.Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "api.snyk.io", Path: "/rest/self"}}
	if err := tb.Authenticate(ctx, req); err != nil {
		t.Fatal(err)
	}
	first := req.Header.Get("Authorization")
	h.p.ExpireAccessTokens()
	if err := tb.Refresh(ctx, req); err != nil { // the API refused the token req carried
		t.Fatal(err)
	}
	tb.Authenticate(ctx, req)
	if req.Header.Get("Authorization") == first || h.p.Refreshes() != 2 {
		t.Fatalf("Refresh did not get a new token through the broker (refreshes %d)", h.p.Refreshes())
	}
}

func TestPendingTokenRespectsOperatorRestore(t *testing.T) {
	for _, tt := range []struct {
		name       string
		rotatedYet bool // another replica spent the restored token meanwhile
	}{{"restored as is", false}, {"restored and rotated since", true}} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.seed()
			h.p.AfterRotate(func() { h.vault.Seal(true) })
			if r := h.call("GET", "/v1/credentials", h.creds(), apiKey); r.status != 503 {
				t.Fatalf("reply %d %s", r.status, r.raw)
			}
			h.p.AfterRotate(nil)
			h.vault.Seal(false)
			matches, _ := filepath.Glob(filepath.Join(h.dir, "recovered-*.secret"))
			data, _ := os.ReadFile(matches[0])
			recovered := strings.SplitN(string(data), "\n", 2)[0]
			// The operator follows the message and puts the token back.
			restored := recovered
			if tt.rotatedYet {
				restored = h.p.IssueRefreshToken()
			}
			h.vault.Seed("snyk/org-1/"+h.p.ClientID, map[string]any{"refresh_token": restored})
			r := h.call("GET", "/v1/credentials", h.creds(), apiKey)
			if r.status != 200 {
				t.Fatalf("GET after restore: %d %s", r.status, r.raw)
			}
			if !h.p.RefreshUsable(h.stored()) {
				t.Fatalf("the store holds a dead token: the pending one overwrote a newer one")
			}
			_, err := os.Stat(matches[0])
			if removed := os.IsNotExist(err); removed == tt.rotatedYet {
				t.Errorf("recovery file removed = %v", removed)
			}
		})
	}
}

func TestPutAfterAnotherWriter(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	if r := h.call("GET", "/v1/credentials", h.creds(), apiKey); r.status != 200 {
		t.Fatal(r.raw)
	}
	// Someone else (snykey, another replica) writes a newer version.
	h.seed()
	q := h.creds()
	q.Set("refresh_key", h.p.IssueRefreshToken())
	want(t, h.call("PUT", "/v1/credentials", q, apiKey), 200, "message", "Credentials stored.")
	if !h.p.RefreshUsable(h.stored()) {
		t.Fatal("stored token is not live")
	}
}

func TestGetWhileSealedSpendsNothing(t *testing.T) {
	h := newHarness(t, nil)
	rt := h.seed()
	h.vault.Seal(true)
	r := h.call("GET", "/v1/credentials", h.creds(), apiKey)
	if r.status != 503 || r.str("error") != "vault at "+h.vault.URL+" is sealed: Vault is sealed" {
		t.Fatalf("reply %d %s", r.status, r.raw)
	}
	if h.p.Refreshes() != 0 || !h.p.RefreshUsable(rt) {
		t.Fatalf("refresh token spent while the vault was sealed")
	}
}

// TestRestartedBrokerResumesWithRecoveredToken: the vault seals after
// Snyk rotated a token, the broker answers 503 and saves the new token
// to a recovery file, then stops. A new broker on the unsealed vault
// stores the recovered token and spends it, not the dead stored one
// (which the strict provider answers by revoking the grant).
func TestRestartedBrokerResumesWithRecoveredToken(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	h.p.AfterRotate(func() { h.vault.Seal(true) })
	if r := h.call("GET", "/v1/credentials", h.creds(), apiKey); r.status != 503 {
		t.Fatalf("sealed GET: %d %s", r.status, r.raw)
	}
	h.srv.Close() // the broker stops; its memory is gone
	h.p.AfterRotate(nil)
	h.vault.Seal(false)
	files, _ := filepath.Glob(filepath.Join(h.dir, "recovered-*.secret"))
	if len(files) != 1 {
		t.Fatalf("recovery files %v", files)
	}

	store, err := secrets.NewVault(secrets.VaultConfig{Addr: h.vault.URL, Token: h.vault.Token})
	if err != nil {
		t.Fatal(err)
	}
	restarted := httptest.NewServer(broker.New(broker.Config{APIKey: apiKey, Store: store, RecoveryDir: h.dir,
		Endpoints: func(string) (broker.Endpoints, error) { return broker.Endpoints{Token: h.p.TokenURL()}, nil }}))
	defer restarted.Close()
	r := (&harness{t: t, srv: restarted}).call("GET", "/v1/credentials", h.creds(), apiKey)
	if r.status != 200 || r.str("access_token") == "" {
		t.Fatalf("GET after restart: %d %s", r.status, r.raw)
	}
	if h.p.Reuses() != 0 || h.p.Refreshes() != 2 || !h.p.RefreshUsable(h.stored()) {
		t.Errorf("%d reused, %d refreshes, stored live = %v; want 0, 2, true", h.p.Reuses(), h.p.Refreshes(), h.p.RefreshUsable(h.stored()))
	}
	if _, err := os.Stat(files[0]); !os.IsNotExist(err) {
		t.Errorf("recovery file not removed: %v", err)
	}
}
