package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

// freePort returns a loopback port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestSnykAppLoginRunStatusLogout walks the Snyk App flow against the
// fake Snyk OAuth server: `pipe auth login snyk --var auth=app` (PKCE,
// loopback redirect), a run that refreshes the rotating token, status, and
// logout with revocation. The refresh token lives in .pipe/secrets.yml.
func TestSnykAppLoginRunStatusLogout(t *testing.T) {
	t.Chdir(t.TempDir())
	// Access tokens live 30 s, inside pipe's 60 s refresh margin: every run
	// must refresh, spending the stored refresh token and storing the next.
	fake := fakeapi.New(fakeapi.Config{Orgs: 1, ProjectsPerOrg: 1, IssuesPerOrg: 3, Seed: 7, OAuthTokenTTL: 30 * time.Second})
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", freePort(t))
	fake.AddOAuthClient("app-id", "app-secret-value", redirect)
	envVars := map[string]string{"SNYK_CLIENT_ID": "app-id", "SNYK_CLIENT_SECRET": "app-secret-value"}
	vars := []string{"--var", "auth=app", "--var", "api_url=" + srv.URL, "--var", "app_url=" + srv.URL, "--var", "redirect_uri=" + redirect}

	// Login: read the authorize URL as pipe prints it, then act as the
	// browser: follow Snyk's 303 to the loopback callback.
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var errOut bytes.Buffer
	go func() {
		e := &env{stdin: strings.NewReader(""), stdout: pw, stderr: &errOut, logLevel: new(slog.LevelVar),
			getenv: func(k string) (string, bool) { v, ok := envVars[k]; return v, ok }}
		done <- e.run(append([]string{"auth", "login", "snyk"}, vars...))
		pw.Close()
	}()
	authorize := regexp.MustCompile(`https?://\S+/oauth2/authorize\?\S+`)
	sc := bufio.NewScanner(pr)
	var printed bytes.Buffer
	for sc.Scan() {
		printed.WriteString(sc.Text() + "\n")
		if u := authorize.FindString(sc.Text()); u != "" {
			go browse(t, u)
			break
		}
	}
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&printed, pr); close(copied) }()
	select {
	case code := <-done:
		<-copied
		if code != ExitOK {
			t.Fatalf("login: exit %d\n%s\n%s", code, printed.String(), errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("login did not finish")
	}
	secretsData, err := os.ReadFile(filepath.Join(".pipe", "secrets.yml"))
	if err != nil || !strings.Contains(string(secretsData), "snyk.refresh_token") {
		t.Fatalf("no refresh token stored: %v\n%s", err, secretsData)
	}
	if strings.Contains(printed.String()+errOut.String(), "app-secret-value") {
		t.Error("the client secret was printed")
	}

	// Two runs, each refreshing: the second can only work if the first
	// stored the rotated refresh token (the fake rejects reuse).
	for i := 1; i <= 2; i++ {
		code, stdout, stderr := run(t, envVars, append([]string{"run", "snyk", "--resources", "orgs", "--dest", "snyk.db", "-q"}, vars...)...)
		if code != ExitOK {
			t.Fatalf("run %d: exit %d\n%s\n%s", i, code, stdout, stderr)
		}
		if got := fake.RefreshGrants(); got != int64(i) {
			t.Errorf("after run %d: %d refresh grants, want %d", i, got, i)
		}
	}
	if fake.RefreshRejected() != 0 {
		t.Errorf("%d refresh tokens were reused", fake.RefreshRejected())
	}

	code, stdout, _ := run(t, envVars, append([]string{"auth", "status", "snyk"}, vars...)...)
	if code != ExitOK || !strings.Contains(stdout, "refresh token: stored") || strings.Contains(stdout, "app-secret") {
		t.Errorf("status: exit %d\n%s", code, stdout)
	}

	live := fake.LiveRefreshTokens()
	code, stdout, stderr := run(t, envVars, append([]string{"auth", "logout", "snyk"}, vars...)...)
	if code != ExitOK {
		t.Fatalf("logout: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got := fake.LiveRefreshTokens(); got != live-1 {
		t.Errorf("live refresh tokens %d -> %d, want the stored one revoked", live, got)
	}
	if data, _ := os.ReadFile(filepath.Join(".pipe", "secrets.yml")); strings.Contains(string(data), "snyk.refresh_token") {
		t.Error("logout left the refresh token in the store")
	}
}

// browse follows the authorize URL like a browser whose user approves:
// Snyk answers 303 to the redirect URI, which pipe's listener serves.
func browse(t *testing.T, authorizeURL string) {
	resp, err := http.Get(authorizeURL)
	if err != nil {
		t.Errorf("browser: %v", err)
		return
	}
	resp.Body.Close()
}

func TestSnykServiceAccountByVar(t *testing.T) {
	t.Chdir(t.TempDir())
	fake := fakeapi.New(fakeapi.Config{Orgs: 2, ProjectsPerOrg: 1, IssuesPerOrg: 1, Seed: 3})
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	fake.AddOAuthClient("sa-id", "sa-secret-value")
	envVars := map[string]string{"SNYK_CLIENT_ID": "sa-id", "SNYK_CLIENT_SECRET": "sa-secret-value"}
	code, stdout, stderr := run(t, envVars, "run", "snyk", "--var", "auth=oauth", "--var", "api_url="+srv.URL, "--resources", "orgs", "--dest", "snyk.db", "-q")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !regexp.MustCompile(`orgs\s+2 rows`).MatchString(stdout) {
		t.Errorf("want 2 orgs loaded through the service account:\n%s", stdout)
	}
	if fake.Count(snykoauth.RouteToken) != 1 {
		t.Errorf("token requests = %d, want 1", fake.Count(snykoauth.RouteToken))
	}
}
