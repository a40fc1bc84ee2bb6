package engine_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEchoedSecretsNeverReachTheDatabase: an API that echoes the token it
// got — as a whole value, inside a text, URL-encoded, JSON-escaped or
// base64 inside a JSON column — leaves no form of it in the database file.
func TestEchoedSecretsNeverReachTheDatabase(t *testing.T) {
	const token = "tok+en/S3CR3T=&v"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if got != token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		b64 := base64.StdEncoding.EncodeToString([]byte(got))
		io.WriteString(w, `{"items": [{"id": 1, "name": "kept",
			"token": "`+jsonEscaped(got)+`",
			"note": "called with `+jsonEscaped(got)+` today",
			"link": "https://x.test/?t=`+url.QueryEscape(got)+`",
			"nested": {"deep": {"auth": "Basic `+b64+`", "raw": "`+jsonEscaped(got)+`"}}}]}`)
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "echo.db")
	if _, err := runSpec(t, "echo.yml", srv.URL, path, token); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	if n := count(t, db, `SELECT count(*) FROM items WHERE name = 'kept' AND token = '***'`); n != 1 {
		t.Errorf("rows with the token stored as *** = %d, want 1", n)
	}
	var note string
	if err := db.QueryRow(`SELECT note FROM items`).Scan(&note); err != nil {
		t.Fatal(err)
	}
	if note != "called with *** today" {
		t.Errorf("note = %q", note)
	}
	db.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if wal, err := os.ReadFile(path + "-wal"); err == nil {
		data = append(data, wal...)
	}
	for _, form := range []string{token, url.QueryEscape(token), jsonEscaped(token), base64.StdEncoding.EncodeToString([]byte(token)), "S3CR3T"} {
		if strings.Contains(string(data), form) {
			t.Errorf("the database file holds the token as %q", form)
		}
	}
}

// jsonEscaped writes s as the inside of a JSON string, HTML-escaped as
// Go's encoder does (& as \u0026).
func jsonEscaped(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "&", `\u0026`, "/", `\/`)
	return r.Replace(s)
}
