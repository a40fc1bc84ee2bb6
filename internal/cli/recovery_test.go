package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/credentials/secrets/secretstest"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

// TestRecoveredTokenComesBack: the vault seals just after the provider
// rotated the refresh token, so `pipe run` cannot store the new one and
// saves it to a recovery file (exit 1). Once the vault is unsealed, the
// next run finds the file, stores the recovered token, spends it (not the
// dead stored one, which the strict provider would answer by revoking
// the grant), succeeds and deletes the file. With .pipe unusable the file
// goes to PIPE_RECOVERY_DIR instead and comes back from there.
func TestRecoveredTokenComesBack(t *testing.T) {
	for _, tt := range []struct {
		name         string
		pipeIsAFile  bool // .pipe cannot be a directory: the fallback takes the file
		wantInPrefix string
	}{{"in .pipe", false, ".pipe"}, {"in PIPE_RECOVERY_DIR", true, "fallback"}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if tt.pipeIsAFile {
				if err := os.WriteFile(".pipe", nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			fallback := filepath.Join(dir, "fallback")
			p := snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: true})
			vault := secretstest.NewVault(t)
			stored := p.IssueRefreshToken()
			vault.Seed("pipe/strict.refresh_token", map[string]any{"value": stored})
			if err := os.WriteFile("strict.yml", []byte(strictSpec), 0o600); err != nil {
				t.Fatal(err)
			}
			// The sealed run cannot release its lock in the vault either;
			// the next run takes it once it expires.
			envVars := map[string]string{"VAULT_ADDR": vault.URL, "VAULT_TOKEN": vault.Token, "PIPE_RECOVERY_DIR": fallback, "PIPE_VAULT_LOCK_TTL": "500ms",
				"STRICT_CLIENT_ID": p.ClientID, "STRICT_CLIENT_SECRET": p.ClientSecret}
			args := []string{"run", "strict.yml", "--var", "url=" + p.URL, "--dest", filepath.Join(dir, "strict.db"), "-q"}

			p.AfterRotate(func() { vault.Seal(true) })
			code, stdout, stderr := run(t, envVars, args...)
			if code != ExitFailed || !strings.Contains(stderr, "recovered-strict-") {
				t.Fatalf("sealed run: exit %d, want 1 naming the recovery file\n%s\n%s", code, stdout, stderr)
			}
			files, _ := filepath.Glob(filepath.Join(dir, tt.wantInPrefix, "recovered-strict-*.secret"))
			if len(files) != 1 {
				t.Fatalf("recovery files in %s: %v\n%s", tt.wantInPrefix, files, stderr)
			}
			for _, tok := range p.Issued() {
				if strings.Contains(stdout+stderr, tok) {
					t.Fatal("a token was printed")
				}
			}

			p.AfterRotate(nil)
			vault.Seal(false)
			code, stdout, stderr = run(t, envVars, args...)
			if code != ExitOK {
				t.Fatalf("run after unseal: exit %d\n%s\n%s", code, stdout, stderr)
			}
			if p.Reuses() != 0 || p.Refreshes() != 2 {
				t.Errorf("%d reused refresh tokens, %d refreshes; want 0 and 2", p.Reuses(), p.Refreshes())
			}
			if data, _ := vault.Current("pipe/strict.refresh_token"); !p.RefreshUsable(fmt.Sprint(data["value"])) {
				t.Errorf("the vault does not hold the live refresh token")
			}
			if _, err := os.Stat(files[0]); !os.IsNotExist(err) {
				t.Errorf("recovery file %s not removed (%v)", files[0], err)
			}
		})
	}
}
