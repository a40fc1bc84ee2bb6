package cli

import (
	"database/sql"
	"encoding/base64"
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
	recordKey   = "k3y/with+special=chars"
	recordToken = "tok-Secret.123"
)

// recordAPI checks the key (query) on orgs and the token (bearer) on
// projects, and echoes the key in its next links, as some APIs do.
func recordAPI(t *testing.T) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session="+recordToken)
		switch {
		case r.URL.Path == "/v1/orgs":
			if r.URL.Query().Get("api_key") != recordKey {
				http.Error(w, `{"error":"bad key"}`, http.StatusUnauthorized)
				return
			}
			if r.URL.Query().Get("page") == "2" {
				fmt.Fprint(w, `{"data":[{"id":"o3","name":"Gamma"}]}`)
				return
			}
			next := "http://" + r.Host + "/v1/orgs?page=2&api_key=" + url.QueryEscape(recordKey)
			fmt.Fprintf(w, `{"data":[{"id":"o1","name":"Alpha"},{"id":"o2","name":"Beta"}],"next":%q}`, next)
		case strings.HasPrefix(r.URL.Path, "/v1/orgs/") && strings.HasSuffix(r.URL.Path, "/projects"):
			if r.Header.Get("Authorization") != "Bearer "+recordToken {
				http.Error(w, `{"error":"bad token"}`, http.StatusUnauthorized)
				return
			}
			org := strings.Split(r.URL.Path, "/")[3]
			fmt.Fprintf(w, `{"data":[{"id":"%s-p1"},{"id":"%s-p2"}]}`, org, org)
		default:
			http.NotFound(w, r)
		}
	}))
}

func TestRecordReplay(t *testing.T) {
	dir := t.TempDir()
	tapes := filepath.Join(dir, "cassettes")
	srv := recordAPI(t)
	secrets := map[string]string{"ACME_KEY": recordKey, "ACME_TOKEN": recordToken}
	recorded := filepath.Join(dir, "recorded.db")
	code, stdout, stderr := run(t, secrets, "run", "testdata/record.yml", "--var", "api_url="+srv.URL, "--dest", recorded, "--record", tapes)
	if code != ExitOK {
		t.Fatalf("record: exit %d\n%s%s", code, stdout, stderr)
	}
	srv.Close()

	tape, err := os.ReadFile(filepath.Join(tapes, "recorded.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		t.Logf("cassette:\n%s", tape)
	}
	tapeHoldsNoSecret(t, tape, recordKey, recordToken)
	for _, h := range []string{"Authorization:", "Set-Cookie:"} {
		if strings.Contains(string(tape), h) {
			t.Errorf("cassette keeps header %s", h)
		}
	}

	// Replay with the server gone and no secrets: the same rows.
	replayed := filepath.Join(dir, "replayed.db")
	code, stdout, stderr = run(t, nil, "run", "testdata/record.yml", "--var", "api_url="+srv.URL, "--dest", replayed, "--replay", tapes)
	if code != ExitOK {
		t.Fatalf("replay: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, table := range []string{"orgs", "projects"} {
		want, got := tableRows(t, recorded, table), tableRows(t, replayed, table)
		if want != got || want == "" {
			t.Errorf("%s: replayed rows\n%s\nwant\n%s", table, got, want)
		}
	}

	// A request the cassette does not hold fails the run and is named.
	code, stdout, stderr = run(t, nil, "run", "testdata/record.yml", "--var", "api_url="+srv.URL, "--var", "status=archived", "--dest", filepath.Join(dir, "miss.db"), "--replay", tapes)
	if code != ExitFailed {
		t.Fatalf("unrecorded request: exit %d, want %d\n%s%s", code, ExitFailed, stdout, stderr)
	}
	want := "GET " + srv.URL + "/v1/orgs?status=archived"
	t.Logf("unrecorded request:\n%s", stderr)
	if !strings.Contains(stderr, "not recorded") || !strings.Contains(stderr, want) {
		t.Errorf("stderr does not name the unrecorded request %q:\n%s", want, stderr)
	}
	if strings.Contains(stderr, recordKey) || strings.Contains(stderr, url.QueryEscape(recordKey)) {
		t.Errorf("stderr holds the key:\n%s", stderr)
	}

	// Replaying from a folder without the cassette is a usage error.
	code, _, stderr = run(t, nil, "run", "testdata/record.yml", "--dest", filepath.Join(dir, "none.db"), "--replay", filepath.Join(dir, "nowhere"))
	if code != ExitUsage || !strings.Contains(stderr, "not found") {
		t.Errorf("missing cassette: exit %d\n%s", code, stderr)
	}
}

// tapeHoldsNoSecret fails t when the cassette tape holds one of secrets
// in any form: raw, URL-escaped, JSON-escaped (with "/" as "\/" too) or
// base64, alone or after "Bearer ".
func tapeHoldsNoSecret(t *testing.T, tape []byte, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		js, _ := json.Marshal(secret)
		inJSON := strings.Trim(string(js), `"`)
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), inJSON, strings.ReplaceAll(inJSON, "/", `\/`),
			base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret)),
			base64.StdEncoding.EncodeToString([]byte("Bearer " + secret))} {
			if strings.Contains(string(tape), form) {
				t.Errorf("cassette holds a secret as %q:\n%s", form, tape)
			}
		}
	}
}

// tableRows returns a table's ids and names in id order, one per line.
func tableRows(t *testing.T, db, table string) string {
	t.Helper()
	conn, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query("SELECT * FROM " + table + " ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, c := range cols {
			if c == "_pipe_load_id" {
				continue
			}
			fmt.Fprintf(&b, "%s=%v ", c, vals[i])
		}
		b.WriteByte('\n')
	}
	return b.String()
}
