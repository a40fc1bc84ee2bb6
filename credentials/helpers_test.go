package credentials_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

// newClock is the settable clock of the tests, at a fixed start.
func newClock() *fakecore.Clock {
	return fakecore.NewClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
}

// redactor records what it was told to hide.
type redactor struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (r *redactor) Add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[s] = true
}

func (r *redactor) Has(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[s]
}

// failingStore wraps a Writer and fails Puts of one name.
type failingStore struct {
	secrets.Writer
	name string
	err  error
}

func (f failingStore) Put(ctx context.Context, name, value string) error {
	if name == f.name {
		return f.err
	}
	return f.Writer.Put(ctx, name, value)
}

var errDiskFull = errors.New("disk full")

// setup returns a provider, a file store seeded with a refresh token, and
// a config for an authenticator on them.
func setup(t *testing.T) (*snykoauth.TestServer, *secrets.File, credentials.OAuth2RefreshTokenConfig, string) {
	t.Helper()
	p := snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: true})
	dir := t.TempDir()
	store := secrets.NewFile(filepath.Join(dir, "secrets.yml"))
	rt := p.IssueRefreshToken()
	if err := store.Put(context.Background(), "snyk.refresh_token", rt); err != nil {
		t.Fatal(err)
	}
	cfg := credentials.OAuth2RefreshTokenConfig{
		TokenURL: p.TokenURL(), ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		Credential: "snyk", Store: store,
		Locker:      credentials.FileLocker{Dir: filepath.Join(dir, "locks")},
		RecoveryDir: dir,
	}
	return p, store, cfg, dir
}

func newRequest(t *testing.T, raw string) *rest.Request {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &rest.Request{Method: "GET", URL: u}
}

// helperCommand re-executes this test binary; TestMain sees
// PIPE_CRED_HELPER in env and runs helperMain instead of the tests.
func helperCommand(t *testing.T, env map[string]string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}
