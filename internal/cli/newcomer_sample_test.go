package cli

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestNewcomerSampleSendsPost: pipe run --sample is "for checking a spec
// after an edit" and "keeps nothing", but it sends the spec's requests as
// they are: on Tenable's vulnerability export (engine's
// newcomer_tenable.yml) it POSTs /vulns/export, which starts an export job
// on the account (Tenable limits concurrent exports), as a run would. The
// README does not say that --sample sends non-GET requests; this pins
// what it does, so that the README can say it.
func TestNewcomerSampleSendsPost(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/vulns/export":
			w.Write([]byte(`{"export_uuid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"}`))
		case strings.HasSuffix(r.URL.Path, "/status"):
			w.Write([]byte(`{"status": "FINISHED", "chunks_available": []}`))
		default:
			w.WriteHeader(404)
			w.Write([]byte(`{"statusCode": 404, "error": "Not Found"}`))
		}
	}))
	defer srv.Close()
	spec := filepath.Join("..", "..", "engine", "testdata", "apis", "newcomer_tenable.yml")
	env := map[string]string{"TIO_ACCESS_KEY": "access-6a2f8b0c1d9e", "TIO_SECRET_KEY": "secret-f1e2d3c4b5a6"}
	code, stdout, stderr := run(t, env, "run", spec, "--var", "api_url="+srv.URL, "--sample", "1", "-q", "--resources", "exports")
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || got[0] != "POST /vulns/export" {
		t.Errorf("sample sent %q (exit %d)\n%s%s", got, code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "secret-f1e2d3c4b5a6") {
		t.Errorf("the output holds the secret")
	}
	t.Logf("exit %d requests %q\n%s", code, got, stdout)
}
