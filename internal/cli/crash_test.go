package cli

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/internal/dbcheck"
)

// TestCrashChild is the process the crash test kills: a plain
// `pipe run snyk` against the fake. It runs only when re-executed.
func TestCrashChild(t *testing.T) {
	if os.Getenv("PIPE_CRASH_CHILD") != "1" {
		t.Skip("helper process for TestKilledRunsResumeWithoutLossOrDuplicates")
	}
	os.Exit(Run(crashArgs(os.Getenv("PIPE_CRASH_URL"), os.Getenv("PIPE_CRASH_DB")), nil, os.Stdout, os.Stderr))
}

func crashArgs(url, db string) []string {
	return []string{"run", "snyk", "--var", "api_url=" + url, "--dest", db, "--checkpoint-rows", "40", "-q", "--resources", "orgs,projects,issues"}
}

// TestKilledRunsResumeWithoutLossOrDuplicates kills `pipe run` with
// SIGKILL at several points (while the Nth of about 19 API requests is in
// flight, with checkpoints every 40 rows), changes the API's data, reruns
// to completion, and checks that the database holds exactly what the API
// holds, row for row.
func TestKilledRunsResumeWithoutLossOrDuplicates(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	var sawInterrupted atomic.Int64
	defer func() {
		if !t.Failed() && sawInterrupted.Load() == 0 {
			t.Error("no killed run had committed a checkpoint: nothing to mark interrupted")
		}
	}()
	for _, killAt := range []int64{2, 6, 11, 17} {
		t.Run("after request "+strconv.FormatInt(killAt, 10), func(t *testing.T) {
			fake := fakeapi.New(fakeapi.Config{Orgs: 3, ProjectsPerOrg: 3, IssuesPerOrg: 450, Seed: killAt, Token: "crash-token"})
			var served atomic.Int64
			reached := make(chan struct{})
			var once sync.Once
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if served.Add(1) == killAt {
					once.Do(func() { close(reached) })
					<-r.Context().Done() // hold the request until the process dies
					return
				}
				fake.Handler().ServeHTTP(w, r)
			}))
			defer srv.Close()
			db := filepath.Join(t.TempDir(), "snyk.db")

			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
			cmd.Env = append(os.Environ(), "PIPE_CRASH_CHILD=1", "PIPE_CRASH_URL="+srv.URL, "PIPE_CRASH_DB="+db, "SNYK_TOKEN=crash-token")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-reached:
			case err := <-exited:
				t.Fatalf("the run ended (%v) before request %d", err, killAt)
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("the run never made request %d", killAt)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-exited

			// The API moves on while pipe is down: some issues change, some are new.
			fake.Touch(4, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
			fake.AddIssues(3, time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC))

			killed := runningLoads(t, db)
			code, stdout, stderr := run(t, map[string]string{"SNYK_TOKEN": "crash-token"}, crashArgs(srv.URL, db)...)
			if code != ExitOK {
				t.Fatalf("rerun: exit %d\n%s\n%s", code, stdout, stderr)
			}
			assertMatchesAPI(t, db, fake.Snapshot())
			assertInterrupted(t, db, killed)
			sawInterrupted.Add(int64(len(killed)))
		})
	}
}

// runningLoads returns the ids of the loads recorded as running.
func runningLoads(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ids []string
	rows, err := db.Query("SELECT load_id FROM _pipe_loads WHERE status = 'running'")
	if err != nil {
		return nil // killed before the first checkpoint made the table
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// assertInterrupted checks that pipe loads shows the killed loads as
// interrupted, with the reason and their rows, and no load as running.
func assertInterrupted(t *testing.T, path string, killed []string) {
	t.Helper()
	code, stdout, stderr := run(t, nil, "loads", "--dest", path)
	if code != ExitOK {
		t.Fatalf("pipe loads: exit %d\n%s", code, stderr)
	}
	if regexp.MustCompile(`(?m)^\S+ +snyk +running `).MatchString(stdout) {
		t.Errorf("a load is still running after the rerun:\n%s", stdout)
	}
	for _, id := range killed {
		want := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(id) + ` +snyk +interrupted .*\n  error: the process running the load ended before finishing it \(found by load \S+\)\n  rows: .*orgs 3`)
		if !want.MatchString(stdout) {
			t.Errorf("killed load %s is not shown interrupted:\n%s", id, stdout)
		}
	}
}

// assertMatchesAPI checks that the database at path holds the API's
// orgs, projects and issues exactly once, each issue with its ignored flag
// and its problems.
func assertMatchesAPI(t *testing.T, path string, snap fakeapi.Snapshot) {
	t.Helper()
	orgs, projects, issues := map[string][]any{}, map[string][]any{}, map[string][]any{}
	for _, o := range snap.Orgs {
		orgs[o.ID] = []any{}
	}
	for _, p := range snap.Projects {
		projects[p.ID] = []any{}
	}
	problems := dbcheck.NewChild(nil, "issues", "issues__attributes__problems")
	for _, is := range snap.Issues {
		issues[is.ID] = []any{is.Attributes.Ignored}
		for i := range is.Attributes.Problems {
			problems.Add(dbcheck.Key(is.ID, i))
		}
	}
	db := dbcheck.Open(t, path)
	for _, tw := range []dbcheck.Table{
		{Name: "orgs", Query: `SELECT id FROM orgs`, Rows: orgs},
		{Name: "projects", Query: `SELECT id FROM projects`, Rows: projects},
		{Name: "issues", Query: `SELECT id, attributes__ignored FROM issues`, Rows: issues},
		problems.Table("t0.id"),
	} {
		dbcheck.CheckTable(t, db, tw)
	}
}
