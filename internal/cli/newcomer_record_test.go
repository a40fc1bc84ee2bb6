package cli

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNewcomerRecordUserinfoToken: Jamf's token request wants HTTP Basic,
// which a login auth sends only through userinfo in its token_url
// (engine's TestNewcomerJamfUserinfoWorkaround). A run recorded with
// --record must keep the user's password out of the cassette, in every
// form (raw, URL-encoded, base64 of user:password), as the README says of
// every secret the run used.
func TestNewcomerRecordUserinfoToken(t *testing.T) {
	const user, password = "api-reader", "Zq7vR2pL9wX4mN8b"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/auth/token":
			if r.Header.Get("Authorization") != basic {
				w.WriteHeader(401)
				return
			}
			w.Write([]byte(`{"token": "eyJhbGciOiJIUzI1NiJ9.jamf.sig", "expires": "2030-01-01T00:00:00.000Z"}`))
		case "/api/v1/computers-inventory":
			if r.Header.Get("Authorization") != "Bearer eyJhbGciOiJIUzI1NiJ9.jamf.sig" {
				w.WriteHeader(401)
				return
			}
			if r.URL.Query().Get("page") == "0" {
				w.Write([]byte(`{"totalCount": 1, "results": [{"id": "1", "udid": "5A2C29B1", "general": {"name": "Mac-1"}}]}`))
				return
			}
			w.Write([]byte(`{"totalCount": 1, "results": []}`))
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	data, err := os.ReadFile(filepath.Join("..", "..", "engine", "testdata", "apis", "newcomer_jamf.yml"))
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	text := strings.Replace(string(data), `token_url: "{vars.api_url}/api/v1/auth/token"`, `token_url: "http://{secrets.jamf_user}:{secrets.jamf_password}@`+host+`/api/v1/auth/token"`, 1)
	text = strings.Replace(text, "    expires_in_path: expires\n", "", 1)
	dir := t.TempDir()
	spec := filepath.Join(dir, "jamf.yml")
	if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	tapes := filepath.Join(dir, "tapes")
	env := map[string]string{"JAMF_USER": user, "JAMF_PASSWORD": password}
	code, stdout, stderr := run(t, env, "run", spec, "--var", "api_url="+srv.URL, "--dest", filepath.Join(dir, "jamf.db"), "--record", tapes, "-q")
	if code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(tapes, "*"))
	if len(files) == 0 {
		t.Fatalf("no cassette in %s", tapes)
	}
	for _, f := range files {
		tape, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, form := range []string{password, base64.StdEncoding.EncodeToString([]byte(user + ":" + password)), "eyJhbGciOiJIUzI1NiJ9.jamf.sig"} {
			if strings.Contains(string(tape), form) {
				t.Errorf("%s holds %q", filepath.Base(f), form)
			}
		}
	}
	recorded := false
	for _, f := range files {
		tape, _ := os.ReadFile(f)
		recorded = recorded || strings.Contains(string(tape), "url: http://127.0.0.1:"+strings.Split(host, ":")[1]+"/api/v1/auth/token\n")
	}
	if !recorded {
		t.Errorf("the cassette lacks the token request (without userinfo)")
	}
	if strings.Contains(stdout+stderr, password) {
		t.Errorf("the output holds the password")
	}
}
