package dashboard_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/internal/dashboard"
	"github.com/pipe-etl/pipe/internal/dbview"
)

// TestDashboardBeforeTheFirstLoad serves every page of a database that
// holds no pipe tables yet.
func TestDashboardBeforeTheFirstLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE other (x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	v, err := dbview.Open(context.Background(), dbview.Target{Kind: dbview.SQLite, Addr: path}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	h, err := dashboard.New(v, dashboard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for path, want := range map[string]string{
		"/":             "No loads yet",
		"/tables":       "No tables yet",
		"/state":        "No incremental state",
		"/query":        "<textarea",
		"/tables/other": "404",
		"/loads/none":   "404",
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(resp.Status+string(body), want) {
			t.Errorf("%s: %s, want %q\n%s", path, resp.Status, want, body)
		}
	}
}
