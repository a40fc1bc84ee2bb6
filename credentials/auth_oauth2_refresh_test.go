package credentials_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/credentials/secrets/secretstest"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

func authenticate(t *testing.T, a *credentials.OAuth2RefreshToken) string {
	t.Helper()
	req := newRequest(t, "https://api.example.com/rest/orgs")
	if err := a.Authenticate(context.Background(), req); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		t.Fatalf("Authorization header = %q", req.Header.Get("Authorization"))
	}
	return tok
}

// carrying returns a request that was sent with access token tok, as the
// stale request a 401 hands to Refresh.
func carrying(t *testing.T, tok string) *rest.Request {
	t.Helper()
	req := newRequest(t, "https://api.example.com/rest/orgs")
	req.Header = http.Header{"Authorization": {"Bearer " + tok}}
	return req
}

func TestOAuth2RefreshTokenRotatesAndCaches(t *testing.T) {
	ctx := context.Background()
	p, store, cfg, _ := setup(t)
	clk := newClock()
	red := &redactor{}
	cfg.Now, cfg.Redactor = clk.Now, red
	oldRT, _ := store.Get(ctx, "snyk.refresh_token")

	a, err := credentials.NewOAuth2RefreshToken(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tok := authenticate(t, a)
	if p.Refreshes() != 1 {
		t.Fatalf("refreshes = %d, want 1", p.Refreshes())
	}
	newRT, _ := store.Get(ctx, "snyk.refresh_token")
	if newRT == oldRT || !p.RefreshUsable(newRT) {
		t.Fatalf("stored refresh token was not the rotated one")
	}
	raw, _ := store.Get(ctx, "snyk.access_token")
	var cached credentials.CachedToken
	if err := json.Unmarshal([]byte(raw), &cached); err != nil || cached.Token != tok {
		t.Fatalf("cached access token = %s, %v", raw, err)
	}
	if !cached.Expiry.After(time.Now()) {
		t.Errorf("cached expiry %v is not in the future", cached.Expiry)
	}
	for _, s := range []string{tok, newRT, oldRT, p.ClientSecret} {
		if !red.Has(s) {
			t.Errorf("redactor was not told about a secret")
		}
	}
	// Cached in memory: no second refresh.
	if got := authenticate(t, a); got != tok || p.Refreshes() != 1 {
		t.Fatalf("second Authenticate refreshed (refreshes %d)", p.Refreshes())
	}
	// A new run with the same store uses the cached access token.
	b, _ := credentials.NewOAuth2RefreshToken(cfg)
	if got := authenticate(t, b); got != tok || p.Refreshes() != 1 {
		t.Fatalf("a new run did not reuse the cached access token (refreshes %d)", p.Refreshes())
	}
}

func TestOAuth2RefreshTokenRenewsOnExpiry(t *testing.T) {
	p, _, cfg, _ := setup(t)
	// The provider's expiry is computed from the real clock; move the fake
	// clock relative to it.
	clk := fakecore.NewClock(time.Now())
	cfg.Now = clk.Now
	a, _ := credentials.NewOAuth2RefreshToken(cfg)
	first := authenticate(t, a)
	clk.Advance(3599*time.Second - 61*time.Second)
	if authenticate(t, a) != first || p.Refreshes() != 1 {
		t.Fatalf("renewed before expiry less skew")
	}
	clk.Advance(2 * time.Second)
	if authenticate(t, a) == first || p.Refreshes() != 2 {
		t.Fatalf("did not renew within the skew of expiry (refreshes %d)", p.Refreshes())
	}
}

func TestOAuth2RefreshTokenRefreshAfter401(t *testing.T) {
	p, _, cfg, _ := setup(t)
	clk := fakecore.NewClock(time.Now())
	cfg.Now = clk.Now
	a, _ := credentials.NewOAuth2RefreshToken(cfg)
	first := authenticate(t, a)
	clk.Advance(time.Minute)
	p.ExpireAccessTokens()
	// Many requests fail with the same token at once: one renewal.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Refresh(context.Background(), carrying(t, first)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p.Refreshes() != 2 {
		t.Fatalf("refreshes = %d, want 2 (login-time one and one renewal)", p.Refreshes())
	}
	second := authenticate(t, a)
	if second == first {
		t.Fatalf("token not renewed after 401")
	}
	// A late 401 for the replaced token does not renew again, however
	// late it comes.
	clk.Advance(time.Minute)
	if err := a.Refresh(context.Background(), carrying(t, first)); err != nil || p.Refreshes() != 2 {
		t.Fatalf("late Refresh renewed again: %v (refreshes %d)", err, p.Refreshes())
	}
	// A 401 for the current token renews, however soon it comes.
	if err := a.Refresh(context.Background(), carrying(t, second)); err != nil || p.Refreshes() != 3 {
		t.Fatalf("Refresh for the current token: %v (refreshes %d)", err, p.Refreshes())
	}
	// A request this authenticator did not sign renews nothing.
	if err := a.Refresh(context.Background(), newRequest(t, "https://api.example.com/")); err != nil || p.Refreshes() != 3 {
		t.Fatalf("Refresh without a bearer token: %v (refreshes %d)", err, p.Refreshes())
	}
	// The token the API will accept is the last one.
	req := newRequest(t, p.URL+"/api")
	a.Authenticate(context.Background(), req)
	hreq, _ := http.NewRequest("GET", req.URL.String(), nil)
	hreq.Header = req.Header
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("API with renewed token: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

func TestOAuth2RefreshTokenCachedButRevokedRenews(t *testing.T) {
	p, _, cfg, _ := setup(t)
	a, _ := credentials.NewOAuth2RefreshToken(cfg)
	authenticate(t, a)
	p.ExpireAccessTokens()
	// A new run adopts the cached token, the API refuses it: Refresh must
	// spend the refresh token, not trust the cache again.
	b, _ := credentials.NewOAuth2RefreshToken(cfg)
	stale := authenticate(t, b)
	if err := b.Refresh(context.Background(), carrying(t, stale)); err != nil {
		t.Fatal(err)
	}
	if authenticate(t, b) == stale || p.Refreshes() != 2 {
		t.Fatalf("stale cached token kept (refreshes %d)", p.Refreshes())
	}
}

func TestOAuth2RefreshTokenGoroutinesShareOneRefresh(t *testing.T) {
	p, store, cfg, _ := setup(t)
	p.SetRefreshDelay(20 * time.Millisecond)
	const n = 12
	tokens := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := cfg
			// Each goroutine is a separate run: own authenticator, own
			// store handle, own file lock handle.
			c.Store = secrets.NewFile(store.Path())
			c.Locker = credentials.FileLocker{Dir: cfg.Locker.(credentials.FileLocker).Dir}
			a, err := credentials.NewOAuth2RefreshToken(c)
			if err != nil {
				t.Error(err)
				return
			}
			<-start
			req := newRequest(t, "https://api.example.com/")
			if err := a.Authenticate(context.Background(), req); err != nil {
				t.Errorf("goroutine %d: %v", i, err)
				return
			}
			tokens[i] = req.Header.Get("Authorization")
		}()
	}
	close(start)
	wg.Wait()
	if p.Refreshes() != 1 {
		t.Fatalf("refreshes = %d, want exactly 1", p.Refreshes())
	}
	for i := range n {
		if tokens[i] != tokens[0] || tokens[i] == "" {
			t.Fatalf("goroutine %d got a different token", i)
		}
	}
}

// TestOAuth2RefreshTokenProcessesShareOneRefresh re-executes this test
// binary as several processes that authenticate at once through one
// secrets file and one file lock.
func TestOAuth2RefreshTokenProcessesShareOneRefresh(t *testing.T) {
	p, store, cfg, dir := setup(t)
	p.SetRefreshDelay(50 * time.Millisecond)
	const n = 5
	cmds := make([]*strings.Builder, n)
	var procs []func() error
	for i := range n {
		cmd := helperCommand(t, map[string]string{
			"PIPE_CRED_HELPER":    "authenticate",
			"PIPE_CRED_SECRETS":   store.Path(),
			"PIPE_CRED_LOCKS":     cfg.Locker.(credentials.FileLocker).Dir,
			"PIPE_CRED_TOKEN_URL": p.TokenURL(),
			"PIPE_CRED_CLIENT":    p.ClientID,
			"PIPE_CRED_SECRET":    p.ClientSecret,
			"PIPE_CRED_RECOVERY":  dir,
		})
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		cmds[i] = out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd.Wait)
	}
	for i, wait := range procs {
		if err := wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, cmds[i])
		}
	}
	if p.Refreshes() != 1 {
		t.Fatalf("refreshes = %d, want exactly 1", p.Refreshes())
	}
	first := strings.TrimSpace(cmds[0].String())
	for i, out := range cmds {
		if strings.TrimSpace(out.String()) != first || !strings.HasPrefix(first, "Bearer snyk_uat.") {
			t.Errorf("process %d printed %q, process 0 %q", i, out.String(), first)
		}
	}
}

func TestOAuth2RefreshTokenStoreFailsAfterRotation(t *testing.T) {
	p, store, cfg, dir := setup(t)
	cfg.Store = failingStore{Writer: store, name: "snyk.refresh_token", err: errDiskFull}
	var logs strings.Builder
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, _ := credentials.NewOAuth2RefreshToken(cfg)
	err := a.Authenticate(context.Background(), newRequest(t, "https://api.example.com/"))
	checkRecovery(t, p, err, dir, errDiskFull)
	if !strings.Contains(logs.String(), "rotated refresh token not stored") {
		t.Errorf("failure not logged: %s", logs.String())
	}
	for _, s := range append(p.Issued(), p.ClientSecret) {
		if strings.Contains(logs.String(), s) {
			t.Errorf("log contains a secret")
		}
	}
	oldRT, _ := store.Get(context.Background(), "snyk.refresh_token")
	if p.RefreshUsable(oldRT) {
		t.Errorf("the old refresh token is still usable; the test did not rotate")
	}
}

func TestOAuth2RefreshTokenVaultSealedAfterRotation(t *testing.T) {
	ctx := context.Background()
	p, _, cfg, dir := setup(t)
	fake := secretstest.NewVault(t)
	rt := p.IssueRefreshToken()
	fake.Seed("snyk/o/c", map[string]any{"refresh_token": rt})
	v, err := secrets.NewVault(secrets.VaultConfig{Addr: fake.URL, Token: fake.Token})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store = v
	cfg.RefreshTokenName = "snyk/o/c#refresh_token"
	cfg.AccessTokenName = "snyk/o/c#access_token"
	p.AfterRotate(func() { fake.Seal(true) })
	a, _ := credentials.NewOAuth2RefreshToken(cfg)
	err = a.Authenticate(ctx, newRequest(t, "https://api.example.com/"))
	checkRecovery(t, p, err, dir, secrets.ErrSealed)
	if !strings.Contains(err.Error(), "vault at "+fake.URL+" is sealed") {
		t.Errorf("error does not say the vault is sealed: %v", err)
	}
	if data, _ := fake.Current("snyk/o/c"); data["refresh_token"] != rt {
		t.Errorf("vault changed while sealed")
	}
}

// checkRecovery asserts the run stopped with a recovery message naming a
// file that holds the live rotated token, and that the error hides it.
func checkRecovery(t *testing.T, p interface{ RefreshUsable(string) bool }, err error, dir string, cause error) {
	t.Helper()
	var rerr *credentials.RotationError
	if !errors.As(err, &rerr) || !errors.Is(err, credentials.ErrNotStored) || !errors.Is(err, cause) {
		t.Fatalf("error = %v, want a RotationError wrapping %v", err, cause)
	}
	if filepath.Dir(rerr.RecoveryPath) != dir || !strings.HasPrefix(filepath.Base(rerr.RecoveryPath), "recovered-snyk-") ||
		!strings.HasSuffix(rerr.RecoveryPath, ".secret") {
		t.Fatalf("recovery path = %q", rerr.RecoveryPath)
	}
	if !strings.Contains(err.Error(), "the refresh token was rotated") || !strings.Contains(err.Error(), rerr.RecoveryPath) {
		t.Errorf("error text = %q", err)
	}
	data, rdErr := os.ReadFile(rerr.RecoveryPath)
	if rdErr != nil {
		t.Fatal(rdErr)
	}
	recovered := strings.SplitN(string(data), "\n", 2)[0]
	if !p.RefreshUsable(recovered) {
		t.Errorf("recovery file does not hold the live refresh token")
	}
	if strings.Contains(err.Error(), recovered) {
		t.Errorf("error text contains the token")
	}
	fi, _ := os.Stat(rerr.RecoveryPath)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("recovery file mode = %04o", fi.Mode().Perm())
	}
}

func TestOAuth2RefreshTokenErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("no refresh token", func(t *testing.T) {
		_, store, cfg, _ := setup(t)
		store.Delete(ctx, "snyk.refresh_token")
		a, _ := credentials.NewOAuth2RefreshToken(cfg)
		err := a.Authenticate(ctx, newRequest(t, "https://x/"))
		if !errors.Is(err, secrets.ErrNotFound) || !strings.Contains(err.Error(), "pipe auth login") {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("refresh token already used", func(t *testing.T) {
		_, store, cfg, _ := setup(t)
		store.Put(ctx, "snyk.refresh_token", "rt-spent-elsewhere")
		a, _ := credentials.NewOAuth2RefreshToken(cfg)
		err := a.Authenticate(ctx, newRequest(t, "https://x/"))
		if !errors.Is(err, credentials.ErrInvalidGrant) || !strings.Contains(err.Error(), "pipe auth login") {
			t.Fatalf("error = %v", err)
		}
		if strings.Contains(err.Error(), "rt-spent-elsewhere") {
			t.Errorf("error leaks the refresh token: %v", err)
		}
	})
	t.Run("bad client secret", func(t *testing.T) {
		_, _, cfg, _ := setup(t)
		cfg.ClientSecret = "wrong-secret-value"
		a, _ := credentials.NewOAuth2RefreshToken(cfg)
		err := a.Authenticate(ctx, newRequest(t, "https://x/"))
		var te *credentials.TokenError
		if !errors.As(err, &te) || te.StatusCode != 401 || te.Code != "invalid_client" {
			t.Fatalf("error = %v", err)
		}
		if strings.Contains(err.Error(), "wrong-secret-value") {
			t.Errorf("error leaks the client secret")
		}
	})
	t.Run("config", func(t *testing.T) {
		for _, c := range []credentials.OAuth2RefreshTokenConfig{
			{TokenURL: "x", ClientID: "x", Store: secrets.NewFile("")},
			{Credential: "c", ClientID: "x", Store: secrets.NewFile("")},
			{Credential: "c", TokenURL: "x", Store: secrets.NewFile("")},
			{Credential: "c", TokenURL: "x", ClientID: "x"},
		} {
			if _, err := credentials.NewOAuth2RefreshToken(c); err == nil {
				t.Errorf("config %+v accepted", c)
			}
		}
	})
}

func TestMain(m *testing.M) {
	if mode := os.Getenv("PIPE_CRED_HELPER"); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}

// helperMain is the child process of the multi-process tests.
func helperMain(mode string) int {
	switch mode {
	case "authenticate":
		a, err := credentials.NewOAuth2RefreshToken(credentials.OAuth2RefreshTokenConfig{
			TokenURL: os.Getenv("PIPE_CRED_TOKEN_URL"), ClientID: os.Getenv("PIPE_CRED_CLIENT"),
			ClientSecret: os.Getenv("PIPE_CRED_SECRET"), Credential: "snyk",
			Store:       secrets.NewFile(os.Getenv("PIPE_CRED_SECRETS")),
			Locker:      credentials.FileLocker{Dir: os.Getenv("PIPE_CRED_LOCKS")},
			RecoveryDir: os.Getenv("PIPE_CRED_RECOVERY"),
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		r := &rest.Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "api.example.com", Path: "/"}}
		if err := a.Authenticate(context.Background(), r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(r.Header.Get("Authorization"))
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	return 2
}
