package dashboard_test

import (
	"database/sql"
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
	srv := serve(t, dbview.Target{Kind: dbview.SQLite, Addr: path}, dashboard.Options{})
	for path, want := range map[string]string{
		"/":             "No loads yet",
		"/tables":       "No tables yet",
		"/state":        "No incremental state",
		"/query":        "<textarea",
		"/tables/other": "404",
		"/loads/none":   "404",
	} {
		resp, body := get(t, srv.URL+path)
		if !strings.Contains(resp.Status+body, want) {
			t.Errorf("%s: %s, want %q\n%s", path, resp.Status, want, body)
		}
	}
}
