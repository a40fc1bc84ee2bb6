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

// TestRecordLoginBasic: a run of the Jamf Pro spec whose login sends
// basic credentials (engine/testdata/apis/login_jamf.yml), recorded with
// --record and replayed with --replay: the cassette holds neither the
// password nor the Basic header's base64 nor the token, and the replay,
// given no secret's value beyond placeholders, loads the same computer.
func TestRecordLoginBasic(t *testing.T) {
	const user, password, token = "api-reader", "Zq7!vR2#pL9@wX4$", "eyJhbGciOiJIUzI1NiJ9.jamf.sig"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	var tokenBodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/auth/token":
			tokenBodies = append(tokenBodies, r.Header.Get("Content-Type"))
			if r.Header.Get("Authorization") != basic {
				w.WriteHeader(401)
				return
			}
			w.Write([]byte(`{"token": "` + token + `", "expires": "2999-01-01T00:00:00.000Z"}`))
		case "/api/v1/computers-inventory":
			if r.Header.Get("Authorization") != "Bearer "+token {
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
	spec := filepath.Join("..", "..", "engine", "testdata", "apis", "login_jamf.yml")
	dir := t.TempDir()
	tapes := filepath.Join(dir, "tapes")
	env := map[string]string{"JAMF_USER": user, "JAMF_PASSWORD": password}
	code, stdout, stderr := run(t, env, "run", spec, "--var", "api_url="+srv.URL, "--dest", filepath.Join(dir, "jamf.db"), "--record", tapes, "-q")
	if code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Join(tokenBodies, ",") != "" {
		t.Errorf("token request Content-Type %q, want none (no body)", tokenBodies)
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
		for _, form := range []string{password, strings.TrimPrefix(basic, "Basic "), token} {
			if strings.Contains(string(tape), form) {
				t.Errorf("%s holds %q", filepath.Base(f), form)
			}
		}
	}
	if strings.Contains(stdout+stderr, password) {
		t.Errorf("the output holds the password")
	}
	srv.Close()
	replayed := filepath.Join(dir, "replayed.db")
	code, stdout, stderr = run(t, nil, "run", spec, "--var", "api_url="+srv.URL, "--dest", replayed, "--replay", tapes, "-q")
	if code != ExitOK {
		t.Fatalf("replay: exit %d\n%s%s", code, stdout, stderr)
	}
	if want, got := tableRows(t, filepath.Join(dir, "jamf.db"), "computers"), tableRows(t, replayed, "computers"); want != got || strings.Count(want, "\n") != 1 {
		t.Errorf("replayed rows\n%s\nwant 1 row as recorded\n%s", got, want)
	}
}
