package dashboard_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pipe-etl/pipe/internal/cli"
	"github.com/pipe-etl/pipe/internal/dashboard"
	"github.com/pipe-etl/pipe/internal/dbview"
)

var screenshots = flag.Bool("screenshots", false, "write a PNG of each page to docs/")

// Payloads that would run script if a page did not escape them; both set
// window.pwned.
const (
	xssValue = `<script>window.pwned=1</script>`
	xssTable = `<img src=x onerror="window.pwned=1">`
)

// trackerAPI fakes an issue tracker shaped like Snyk's REST API (orgs,
// issues per org); an org's name is an XSS payload, as any value from an
// API may be. With *forbidden set, issues answer 403 as Snyk does for a
// token without access to the org.
func trackerAPI(t *testing.T, forbidden *atomic.Bool) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orgs", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"orgs": []any{
			map[string]any{"id": "o1", "name": "Acme"},
			map[string]any{"id": "o2", "name": xssValue},
		}})
	})
	mux.HandleFunc("GET /orgs/{org}/issues", func(w http.ResponseWriter, r *http.Request) {
		org := r.PathValue("org")
		if forbidden.Load() {
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"status": "403", "detail": "forbidden"}}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"issues": []any{
			map[string]any{"id": org + "-i1", "title": "first of " + org, "updated_at": "2024-01-01T00:00:00Z", "labels": []any{map[string]any{"name": "bug"}}},
			map[string]any{"id": org + "-i2", "title": "second of " + org, "updated_at": "2024-02-01T00:00:00Z", "labels": []any{}},
		}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// trackerDB loads the fake into a new SQLite file with the real engine
// (pipe run) three times, the last one failing, then adds a table whose
// name is an XSS payload, as a field name from an API could make one.
func trackerDB(t *testing.T) string {
	t.Helper()
	var forbidden atomic.Bool
	api := trackerAPI(t, &forbidden)
	db := filepath.Join(t.TempDir(), "tracker.db")
	for i, want := range []int{0, 0, 1} {
		forbidden.Store(i == 2)
		var out, errOut strings.Builder
		if code := cli.Run([]string{"run", "testdata/tracker.yml", "--base-url", api.URL + "/", "--dest", db, "-q"}, strings.NewReader(""), &out, &errOut); code != want {
			t.Fatalf("pipe run %d: exit %d, want %d\n%s%s", i, code, want, &out, &errOut)
		}
	}
	conn, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		`CREATE TABLE "` + strings.ReplaceAll(xssTable, `"`, `""`) + `" (_pipe_id TEXT, value TEXT)`,
		`INSERT INTO "` + strings.ReplaceAll(xssTable, `"`, `""`) + `" VALUES ('k1', '` + xssValue + `')`,
		`INSERT INTO _pipe_schema (table_name, version, parent_table, columns_json, load_id, created_at) VALUES ('` + xssTable + `', 1, 'orgs', '[{"name":"_pipe_id","type":"text","nullable":false},{"name":"value","type":"text","nullable":true}]', 'x', '2024-01-01T00:00:00Z')`,
	} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return db
}

// browser starts a headless Chromium, or skips the test without one
// (fails in CI, where .ci/run installs it).
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium not installed (CI is set: .ci/run installs it)")
		}
		t.Skip("chromium not installed")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1100, 760),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

func TestDashboardInABrowser(t *testing.T) {
	db := trackerDB(t)
	ctx := browser(t)
	srv := serve(t, dbview.Target{Kind: dbview.SQLite, Addr: db}, dashboard.Options{Where: "tracker.db"})
	before := snapshot(t, db)

	pages := []struct {
		path, shot string
		want       []string
	}{
		{"/", "show-loads.png", []string{"tracker", "completed", "failed", "rows (bars"}},
		{"/tables", "show-tables.png", []string{"issues__labels", "child of issues", "primary key id", "not null", xssTable}},
		{"/tables/orgs", "show-table.png", []string{"Acme", xssValue}},
		{"/tables/" + xssTable, "", []string{xssValue, "child of orgs"}},
		{"/state", "show-state.png", []string{"issues", "id=o1", "2024-02-01T00:00:00Z"}},
	}
	for _, p := range pages {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+pathEscape(p.path)), chromedp.WaitVisible("main")); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		text := bodyText(t, ctx)
		for _, w := range p.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: page does not show %q:\n%s", p.path, w, text)
			}
		}
		noScript(t, ctx, p.path)
		if p.shot != "" {
			shoot(t, ctx, p.shot)
		}
	}

	// The load pages, from the history's links: the first load wrote
	// every table, the last one failed.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click("table.list tr:last-child a")); err != nil {
		t.Fatal(err)
	}
	if text := bodyText(t, ctx); !strings.Contains(text, "Rows written per table") || !strings.Contains(text, "issues__labels") || !strings.Contains(text, "completed") {
		t.Errorf("first load's page:\n%s", text)
	}
	shoot(t, ctx, "show-load.png")
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click("table.list tbody tr:first-child a")); err != nil {
		t.Fatal(err)
	}
	if text := bodyText(t, ctx); !strings.Contains(text, "failed") || !strings.Contains(text, "403") {
		t.Errorf("last load's page does not show its error:\n%s", text)
	}

	// A query that reads.
	text := query(t, ctx, srv.URL, "SELECT id, title FROM issues ORDER BY id")
	if !strings.Contains(text, "4 row(s)") || !strings.Contains(text, "second of o2") {
		t.Errorf("select: \n%s", text)
	}
	shoot(t, ctx, "show-query.png")

	// NULL is told apart from the empty string.
	query(t, ctx, srv.URL, "SELECT NULL AS a, '' AS b")
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("table.rows td")].map(td => td.className + ":" + td.textContent)`))
	if err != nil || len(cells) != 2 || cells[0] != "null:NULL" || cells[1] != ":" {
		t.Errorf("NULL and '': cells %q, %v", cells, err)
	}

	// A result longer than a page: 200 rows, then the next 200.
	text = query(t, ctx, srv.URL, "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 450) SELECT x FROM n")
	if !strings.Contains(text, "200 row(s) from row 1, more not shown") {
		t.Errorf("long result:\n%.300s", text)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click("#next-rows")); err != nil {
		t.Fatal(err)
	}
	if text := bodyText(t, ctx); !strings.Contains(text, "200 row(s) from row 201, more not shown") || !strings.Contains(text, "\n400\n") {
		t.Errorf("second page:\n%.300s", text)
	}

	// Statements that write, each refused by the database.
	attached := filepath.Join(t.TempDir(), "attached.db")
	for _, q := range []string{
		"DELETE FROM issues",
		"UPDATE issues SET title = 'changed'",
		"CREATE TABLE evil (x)",
		"CREATE TEMP TABLE evil (x)",
		"DROP TABLE orgs",
		"ATTACH DATABASE '" + attached + "' AS other",
		"SELECT 1; DELETE FROM issues",
		"WITH x AS (SELECT 1) DELETE FROM issues",
		"PRAGMA query_only = 0",
		"INSERT INTO orgs (_pipe_id, _pipe_load_id, id) VALUES ('a', 'b', 'c')",
	} {
		text := query(t, ctx, srv.URL, q)
		if !strings.Contains(text, "not authorized") && !strings.Contains(text, "readonly") && !strings.Contains(text, "read-only") {
			t.Errorf("%s: not refused:\n%s", q, text)
		}
		if _, err := os.Stat(attached); err == nil {
			t.Errorf("%s: created %s", q, attached)
		}
	}
	if after := snapshot(t, db); after != before {
		t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
	}
}

// query submits q in the SQL box and returns the page's text.
func query(t *testing.T, ctx context.Context, base, q string) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/query"), chromedp.SetValue("textarea", q)); err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	// RunResponse waits for the page the form posts to.
	if _, err := chromedp.RunResponse(ctx, chromedp.Submit("form")); err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible("#query-count, #query-error")); err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return bodyText(t, ctx)
}

func bodyText(t *testing.T, ctx context.Context) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Text("body"))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// noScript checks that no payload became an element or ran.
func noScript(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("script, img").length + (window.pwned ? 100 : 0)`))
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%s: a payload became markup (%d)", path, n)
	}
}

func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if !*screenshots {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshot is the schema and every row of every table, as text.
func snapshot(t *testing.T, db string) string {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var b strings.Builder
	dump := func(q string) {
		rows, err := conn.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
	}
	dump(`SELECT type, name, sql FROM sqlite_master ORDER BY name`)
	for _, table := range []string{"orgs", "issues", "issues__labels", "_pipe_loads", "_pipe_state", "_pipe_schema"} {
		dump(`SELECT * FROM "` + table + `" ORDER BY rowid`)
	}
	return b.String()
}

func pathEscape(p string) string {
	parts := strings.Split(p, "/")
	for i := range parts {
		parts[i] = url.PathEscape(parts[i])
	}
	return strings.Join(parts, "/")
}
