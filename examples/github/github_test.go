package github_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/examples/github/githubfake"
)

func run(t *testing.T, apiURL, db string) {
	t.Helper()
	data, err := os.ReadFile("github.yml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load("github.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(s, plan.Options{Vars: map[string]string{"api_url": apiURL, "org": "acme"}, LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	p.RateLimit = nil // the spec's 4500/min pacing is real time; the budget is tested in engine
	dest, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	_, err = engine.Run(context.Background(), p, engine.Options{
		Dest:    dest,
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { return "ghp_fake", k == "GITHUB_TOKEN" }},
	})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
}

func count(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestGitHubExample runs examples/github/github.yml against its fake:
// three levels, Link-header paging past 100 items, then an incremental
// rerun that asks each repository only for what changed.
func TestGitHubExample(t *testing.T) {
	fake := githubfake.New("acme", 3, 120, 1)
	var mu sync.Mutex
	since := map[string][]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query(); q.Has("since") && q.Get("page") == "" {
			mu.Lock()
			since[r.URL.Path] = append(since[r.URL.Path], q.Get("since"))
			mu.Unlock()
		}
		fake.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "github.db")
	run(t, srv.URL, path)

	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		q    string
		want int
	}{
		{`SELECT count(*) FROM repos`, 3},
		{`SELECT count(*) FROM repos WHERE owner__login = 'acme' AND license__key = 'mit'`, 2},
		{`SELECT count(*) FROM repos__topics`, 6},
		{`SELECT count(*) FROM issues`, 360},
		{`SELECT count(DISTINCT _repos_id) FROM issues`, 3},
		{`SELECT count(*) FROM issues__labels WHERE name = 'bug'`, 360},
		{`SELECT count(*) FROM issue_comments`, 360},
		{`SELECT count(*) FROM issue_comments c JOIN issues i ON c._issues_id = i.id`, 360},
	} {
		if got := count(t, db, c.q); got != c.want {
			t.Errorf("%s = %d, want %d", c.q, got, c.want)
		}
	}

	later := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	fake.Touch("repo-1", 5, later, "retitled")
	run(t, srv.URL, path)
	if got := count(t, db, `SELECT count(*) FROM issues WHERE title = 'retitled'`); got != 1 {
		t.Errorf("retitled issues = %d, want 1", got)
	}
	if got := count(t, db, `SELECT count(*) FROM issues`); got != 360 {
		t.Errorf("issues after rerun = %d, want 360", got)
	}
	got := since["/repos/acme/repo-1/issues"]
	if len(got) != 2 || got[0] != "1970-01-01T00:00:00Z" || got[1] != "2024-03-01T03:39:00Z" {
		t.Errorf("repo-1 since values = %v, want the initial value, then repo-1's newest updated_at", got)
	}
}
