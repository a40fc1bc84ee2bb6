package jobs_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets/secretstest"
	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

// TestWorkersShareOneRotatingRefreshToken runs a partitioned run on
// three worker processes whose access tokens come from one rotating
// refresh token in a shared Vault, against a provider that revokes the
// whole grant when a refresh token is used twice (as Snyk does) and
// whose access tokens last 2 s beyond pipe's 60 s of skew. The store's
// lock makes one worker refresh per expiry while the others take the
// access token it cached: no refresh token reused, no request refused,
// every job completed at its first attempt.
func TestWorkersShareOneRotatingRefreshToken(t *testing.T) {
	bin := pipeBinary(t)
	dsn, _ := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	const life = 2 * time.Second
	oauth := snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: true, TokenTTL: 60*time.Second + life})
	oauth.SetRefreshDelay(100 * time.Millisecond) // a racing second refresh would land inside it
	vault := secretstest.NewVault(t)
	vault.Seed("pipe/shared.refresh_token", map[string]any{"value": oauth.IssueRefreshToken()})

	// The fake Snyk API, behind the provider's access tokens.
	fake := fakeapi.New(fakeapi.Config{Orgs: 40, ProjectsPerOrg: 2, IssuesPerOrg: 1, Seed: 8, Token: "inner", Latency: 60 * time.Millisecond})
	var refused, served atomic.Int64
	mux := http.NewServeMux()
	oauth.Register(func(pattern string, h http.HandlerFunc) { mux.HandleFunc(pattern, h) })
	mux.HandleFunc("/rest/", func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if _, live := oauth.Lookup(tok); !ok || !live {
			refused.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		served.Add(1)
		r.Header.Set("Authorization", "token inner")
		fake.Handler().ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	env := []string{"PIPE_QUEUE=" + dsn, "VAULT_ADDR=" + vault.URL, "VAULT_TOKEN=" + vault.Token,
		"SHARED_CLIENT_ID=" + oauth.ClientID, "SHARED_CLIENT_SECRET=" + oauth.ClientSecret}
	cmd := exec.Command(bin, "submit", "testdata/oauth.yml", "--var", "api_url="+srv.URL, "--batch", "2")
	cmd.Env = append(cmd.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pipe submit: %v\n%s", err, out)
	}
	started := time.Now()
	var workers []*proc
	for i := 1; i <= 3; i++ {
		workers = append(workers, start(t, fmt.Sprintf("o%d", i), bin, env, "worker", "--jobs", "2", "--concurrency", "2", "--poll", "100ms"))
	}
	waitFor(t, 3*time.Minute, "every job to complete", func() (bool, error) {
		bad, err := count(db, `SELECT count(*) FROM river_job WHERE state <> 'completed' AND (attempt > 1 OR errors IS NOT NULL)`)
		if err != nil || bad > 0 {
			return false, fmt.Errorf("%d jobs failed an attempt (%v)", bad, err)
		}
		n, err := count(db, `SELECT count(*) FROM river_job WHERE state <> 'completed'`)
		return n == 0, err
	})
	elapsed := time.Since(started)
	for _, w := range workers {
		w.stop(t)
	}
	retried, err := count(db, `SELECT count(*) FROM river_job WHERE attempt > 1 OR errors IS NOT NULL`)
	if err != nil || retried > 0 {
		t.Errorf("%d jobs needed another attempt (%v); want none", retried, err)
	}
	t.Logf("%d refreshes in %s, %d requests", oauth.Refreshes(), elapsed.Round(time.Millisecond), served.Load())
	// One refresh per expiry at most: a refresh per worker would make
	// three times as many (and the reuse would revoke the grant).
	if n, most := oauth.Refreshes(), int(elapsed/life)+1; n < 1 || n > most || oauth.Reuses() != 0 || refused.Load() != 0 {
		t.Errorf("%d refreshes in %s (want 1 to %d, one per %s of token life), %d refresh tokens reused, %d of %d requests refused; want no reuse, none refused",
			n, elapsed.Round(time.Millisecond), most, life, oauth.Reuses(), refused.Load(), served.Load()+refused.Load())
	}
	if data, _ := vault.Current("pipe/shared.refresh_token"); data["value"] == nil || !oauth.RefreshUsable(fmt.Sprint(data["value"])) {
		t.Errorf("the vault does not hold a live refresh token")
	}
	if n, err := count(db, `SELECT count(*) FROM projects`); err != nil || n != 80 {
		t.Errorf("projects: %d (%v); want the fake's 80", n, err)
	}
}
