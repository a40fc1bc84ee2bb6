package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets/secretstest"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

// strictSpec is a spec whose one resource needs an access token from a
// rotating refresh token stored as credential "strict".
const strictSpec = `name: strict
vars:
  url: {default: "http://placeholder.invalid"}
client:
  base_url: "{vars.url}/"
  auth:
    type: oauth2_refresh_token
    token_url: "{vars.url}/oauth2/token"
    client_id: "{secrets.strict_client_id}"
    client_secret: "{secrets.strict_client_secret}"
    credential: strict
resources:
  - name: api
    endpoint: {path: api, paginator: single_page}
`

// TestRotationChild is one `pipe run` of the multi-process rotation
// test, in its own working directory. It runs only when re-executed.
func TestRotationChild(t *testing.T) {
	if os.Getenv("PIPE_ROTATION_CHILD") != "1" {
		t.Skip("helper process for TestOneRefreshAcrossProcessesSharingAVault")
	}
	os.Exit(Run([]string{"run", os.Getenv("PIPE_ROTATION_SPEC"), "--var", "url=" + os.Getenv("PIPE_ROTATION_URL"), "--dest", "strict.db", "-q"}, nil, os.Stdout, os.Stderr))
}

// TestOneRefreshAcrossProcessesSharingAVault starts N `pipe run`
// processes in N directories that share one Vault holding a rotating
// refresh token, against a provider that revokes the whole grant when a
// refresh token is reused. The refresh lock is the vault's, so exactly
// one process spends the token and the others use the access token it
// cached: one refresh, no reuse, every run exits 0. (With a lock in each
// working directory all N spend the same token and the grant dies.)
func TestOneRefreshAcrossProcessesSharingAVault(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	const n = 4
	p := snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: true})
	p.SetRefreshDelay(100 * time.Millisecond) // a racing second refresh would land inside it
	vault := secretstest.NewVault(t)
	vault.Seed("pipe/strict.refresh_token", map[string]any{"value": p.IssueRefreshToken()})
	specPath := filepath.Join(t.TempDir(), "strict.yml")
	if err := os.WriteFile(specPath, []byte(strictSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		err    error
		output string
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := exec.Command(exe, "-test.run=^TestRotationChild$")
			cmd.Dir = t.TempDir()
			cmd.Env = append(os.Environ(), "PIPE_ROTATION_CHILD=1", "PIPE_ROTATION_SPEC="+specPath, "PIPE_ROTATION_URL="+p.URL,
				"VAULT_ADDR="+vault.URL, "VAULT_TOKEN="+vault.Token,
				"STRICT_CLIENT_ID="+p.ClientID, "STRICT_CLIENT_SECRET="+p.ClientSecret)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			results[i] = result{cmd.Run(), out.String()}
		})
	}
	wg.Wait()
	failed := 0
	for i, r := range results {
		if r.err != nil {
			failed++
			t.Errorf("process %d: %v\n%s", i, r.err, r.output)
		}
	}
	if got := p.Refreshes(); got != 1 || p.Reuses() != 0 || failed != 0 {
		t.Errorf("%d refreshes, %d reused refresh tokens, %d of %d runs failed; want 1, 0, 0", got, p.Reuses(), failed, n)
	}
	if data, _ := vault.Current("pipe/strict.refresh_token"); data["value"] == nil || !p.RefreshUsable(fmt.Sprint(data["value"])) {
		t.Errorf("the vault does not hold a live refresh token: %v", data)
	}
}
