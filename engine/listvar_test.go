package engine_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestListVariableFansOutPerItem: a resource using a list variable runs
// one chain per item (per parent record for a child), gets the item in a
// column, and the item is escaped as one path segment.
func TestListVariableFansOutPerItem(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orgs", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, []map[string]any{{"id": "o1"}, {"id": "o2"}, {"id": "o3"}})
	})
	mux.HandleFunc("GET /orgs/{org}/packages/{purl}/issues", func(w http.ResponseWriter, r *http.Request) {
		purl := r.PathValue("purl")
		if !strings.Contains(r.URL.EscapedPath(), "%2F") {
			http.Error(w, "the purl must be one path segment", http.StatusBadRequest)
			return
		}
		writeJSON(w, []map[string]any{{"id": "V-1", "purl": purl}, {"id": "V-2", "purl": purl}})
	})
	mux.HandleFunc("GET /advisories", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, []map[string]any{{"id": "A-" + r.URL.Query().Get("purl")}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "l.db")
	if _, err := runSpec(t, "list_var.yml", srv.URL, path, ""); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	for _, c := range []struct {
		q    string
		want int
	}{
		{`SELECT count(*) FROM package_issues`, 3 * 2 * 2},
		{`SELECT count(*) FROM package_issues WHERE _purls = purl AND _orgs_id = 'o2'`, 4},
		{`SELECT count(DISTINCT _purls) FROM package_issues`, 2},
		{`SELECT count(*) FROM advisories WHERE id = 'A-pkg:pypi/django@4.2.0' AND _purls = 'pkg:pypi/django@4.2.0'`, 1},
		{`SELECT count(*) FROM advisories`, 2},
	} {
		if got := count(t, db, c.q); got != c.want {
			t.Errorf("%s = %d, want %d", c.q, got, c.want)
		}
	}
}
