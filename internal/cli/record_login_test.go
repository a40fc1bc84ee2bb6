package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	loginPassword = "pa55/word+Rec"
	loginSession  = "Sess-9f8e/7d6c+5b4a=="
)

// loginAPI answers POST /v2/session with the session key at session.key
// for the right password, and GET /v2/assets in two pages for that key in
// X-Session, the first page's next link carrying the key as sid, as APIs
// that keep a session in the URL do.
func loginAPI(t *testing.T) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v2/session":
			var body struct{ User, Password string }
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Password != loginPassword {
				http.Error(w, `{"error":"bad login"}`, http.StatusUnauthorized)
				return
			}
			fmt.Fprintf(w, `{"session":{"key":%q,"user":"robot"}}`, loginSession)
		case "/v2/assets":
			if r.Header.Get("X-Session") != loginSession {
				http.Error(w, `{"error":"no session"}`, http.StatusUnauthorized)
				return
			}
			if r.URL.Query().Get("page") == "2" {
				fmt.Fprint(w, `{"data":[{"id":3,"name":"db"}]}`)
				return
			}
			next := "http://" + r.Host + "/v2/assets?page=2&sid=" + url.QueryEscape(loginSession)
			fmt.Fprintf(w, `{"data":[{"id":1,"name":"web"},{"id":2,"name":"api"}],"next":%q}`, next)
		default:
			http.NotFound(w, r)
		}
	}))
}

// TestRecordRuntimeSecret records a run whose credential is got at run
// time (a login's session key, in no access_token field), and checks the
// cassette holds it in no form, then replays it offline.
func TestRecordRuntimeSecret(t *testing.T) {
	dir := t.TempDir()
	tapes := filepath.Join(dir, "cassettes")
	srv := loginAPI(t)
	recorded := filepath.Join(dir, "recorded.db")
	code, stdout, stderr := run(t, map[string]string{"ACME_PASSWORD": loginPassword},
		"run", "testdata/record_login.yml", "--var", "api_url="+srv.URL, "--dest", recorded, "--record", tapes)
	if code != ExitOK {
		t.Fatalf("record: exit %d\n%s%s", code, stdout, stderr)
	}
	srv.Close()
	tape, err := os.ReadFile(filepath.Join(tapes, "recorded_login.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tapeHoldsNoSecret(t, tape, loginSession, loginPassword)

	replayed := filepath.Join(dir, "replayed.db")
	code, stdout, stderr = run(t, nil, "run", "testdata/record_login.yml", "--var", "api_url="+srv.URL, "--dest", replayed, "--replay", tapes)
	if code != ExitOK {
		t.Fatalf("replay: exit %d\n%s%s", code, stdout, stderr)
	}
	if want, got := tableRows(t, recorded, "assets"), tableRows(t, replayed, "assets"); want != got || strings.Count(want, "\n") != 3 {
		t.Errorf("replayed rows\n%s\nwant 3 rows as recorded\n%s", got, want)
	}
}
