package cli

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
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

			code, stdout, stderr := run(t, map[string]string{"SNYK_TOKEN": "crash-token"}, crashArgs(srv.URL, db)...)
			if code != ExitOK {
				t.Fatalf("rerun: exit %d\n%s\n%s", code, stdout, stderr)
			}
			assertMatchesAPI(t, db, fake.Snapshot())
		})
	}
}

func assertMatchesAPI(t *testing.T, path string, snap fakeapi.Snapshot) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids := func(query string) map[string]int {
		rows, err := db.Query(query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out[id]++
		}
		return out
	}
	compare := func(what string, got map[string]int, want map[string]string, value func(id string) string) {
		for id, n := range got {
			if n != 1 {
				t.Errorf("%s %s loaded %d times", what, id, n)
			}
			if _, ok := want[id]; !ok {
				t.Errorf("%s %s is not in the API", what, id)
			}
		}
		for id, v := range want {
			if got[id] == 0 {
				t.Errorf("%s %s is missing", what, id)
			} else if value != nil && value(id) != v {
				t.Errorf("%s %s = %s, want %s", what, id, value(id), v)
			}
		}
	}
	wantOrgs := map[string]string{}
	for _, o := range snap.Orgs {
		wantOrgs[o.ID] = ""
	}
	compare("org", ids(`SELECT id FROM orgs`), wantOrgs, nil)
	wantProjects := map[string]string{}
	for _, p := range snap.Projects {
		wantProjects[p.ID] = ""
	}
	compare("project", ids(`SELECT id FROM projects`), wantProjects, nil)

	wantIssues := map[string]string{}
	problems := 0
	for _, is := range snap.Issues {
		wantIssues[is.ID] = strconv.FormatBool(is.Attributes.Ignored)
		problems += len(is.Attributes.Problems)
	}
	compare("issue", ids(`SELECT id FROM issues`), wantIssues, func(id string) string {
		var ignored bool
		if err := db.QueryRow(`SELECT attributes__ignored FROM issues WHERE id = ?`, id).Scan(&ignored); err != nil {
			t.Fatal(err)
		}
		return strconv.FormatBool(ignored)
	})
	var gotProblems int
	if err := db.QueryRow(`SELECT count(*) FROM issues__attributes__problems`).Scan(&gotProblems); err != nil {
		t.Fatal(err)
	}
	if gotProblems != problems {
		t.Errorf("issue problems: %d rows, the API holds %d", gotProblems, problems)
	}
}
