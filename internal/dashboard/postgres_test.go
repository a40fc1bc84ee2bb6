package dashboard_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/internal/cli"
	"github.com/pipe-etl/pipe/internal/dashboard"
	"github.com/pipe-etl/pipe/internal/dbview"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

// TestDashboardPostgres serves the pages of a dataset loaded into a real
// Postgres server, and its SQL box reads but cannot write.
func TestDashboardPostgres(t *testing.T) {
	dsn, _ := pgtest.DSN(t)
	var forbidden atomic.Bool
	api := trackerAPI(t, &forbidden)
	var out, errOut strings.Builder
	if code := cli.Run([]string{"run", "testdata/tracker.yml", "--base-url", api.URL + "/", "--dest", dsn, "-q"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("pipe run: exit %d\n%s%s", code, &out, &errOut)
	}
	srv := serve(t, dbview.Target{Kind: dbview.Postgres, Addr: dsn}, dashboard.Options{Where: "postgres"})
	get := func(path string, form url.Values) string {
		t.Helper()
		var resp *http.Response
		var err error
		if form != nil {
			resp, err = http.PostForm(srv.URL+path, form)
		} else {
			resp, err = http.Get(srv.URL + path)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s\n%s", path, resp.Status, body)
		}
		return string(body)
	}
	for path, want := range map[string][]string{
		"/":                      {"completed", "tracker"},
		"/tables":                {"issues__labels", "child of <a", "primary key id"},
		"/tables/issues":         {"first of o1", "second of o2"},
		"/tables/issues__labels": {"bug"},
		"/state":                 {"id=o1", "2024-02-01T00:00:00Z"},
		"/tables/orgs":           {"&lt;script&gt;window.pwned=1&lt;/script&gt;"},
	} {
		body := get(path, nil)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s does not contain %q", path, w)
			}
		}
		if strings.Contains(body, xssValue) {
			t.Errorf("%s: the payload is not escaped", path)
		}
	}
	if body := get("/query", url.Values{"q": {"SELECT count(*) AS n FROM issues"}}); !strings.Contains(body, "<td>4</td>") {
		t.Errorf("select count:\n%s", body)
	}
	for _, q := range []string{"DELETE FROM issues", "SELECT 1; COMMIT; DELETE FROM issues"} {
		if body := get("/query", url.Values{"q": {q}}); !strings.Contains(body, `id="query-error"`) {
			t.Errorf("%s: not refused", q)
		}
	}
	if body := get("/query", url.Values{"q": {"SELECT count(*) AS n FROM issues"}}); !strings.Contains(body, "<td>4</td>") {
		t.Errorf("issues changed:\n%s", body)
	}
}
