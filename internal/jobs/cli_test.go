package jobs_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

// TestJobsShowsAFailedPartitionsError: a partition whose org the API
// refuses (403, as Snyk answers for an org the token cannot see) stays
// to be retried, and pipe jobs names it with its error, never the token.
func TestJobsShowsAFailedPartitionsError(t *testing.T) {
	bin := pipeBinary(t)
	dsn, _ := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	fake := fakeapi.New(fakeapi.Config{Orgs: 4, ProjectsPerOrg: 1, IssuesPerOrg: 1, Seed: 9, Token: "jobs-secret-token"})
	snap := fake.Snapshot()
	forbidden := snap.Orgs[3].ID
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/orgs/"+forbidden+"/") {
			w.Header().Set("Content-Type", "application/vnd.api+json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"jsonapi":{"version":"1.0"},"errors":[{"status":"403","detail":"You do not have access to this organization"}]}`))
			return
		}
		fake.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	env := []string{"SNYK_TOKEN=jobs-secret-token", "PIPE_QUEUE=" + dsn}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(cmd.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("submit", "snyk", "--var", "api_url="+srv.URL, "--resources", "orgs,projects", "--batch", "1"); err != nil {
		t.Fatalf("pipe submit: %v\n%s", err, out)
	}
	w := start(t, "worker", bin, env, "worker", "--poll", "100ms")
	waitFor(t, time.Minute, "a partition to fail", func() (bool, error) {
		n, err := count(db, `SELECT count(*) FROM river_job WHERE state = 'retryable'`)
		return n > 0, err
	})
	w.stop(t)
	out, err := run("jobs")
	if err != nil {
		t.Fatalf("pipe jobs: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^run \d+ .*snyk.* completed  partitions \d/4 completed$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^  partition \d: retryable \(attempt \d+\): .*403`).MatchString(out) ||
		!strings.Contains(out, forbidden) || strings.Contains(out, "jobs-secret-token") {
		t.Errorf("pipe jobs should show the run, its partitions and the failed one's 403 (never the token):\n%s", out)
	}
}

// TestSubmitRefusesAnotherDestination: a partitioned run must load into
// the queue's database.
func TestSubmitRefusesAnotherDestination(t *testing.T) {
	bin := pipeBinary(t)
	cmd := exec.Command(bin, "submit", "snyk", "--queue", "postgres://u:pw@db1:5432/pipe", "--dest", "postgres://u:pw@db2:5432/pipe")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "needs the destination in the queue's database") || strings.Contains(string(out), "pw@") {
		t.Errorf("pipe submit --dest elsewhere: %v\n%s\nwant exit 2 naming the rule, without the password", err, out)
	}
}

// TestJobsListsTheSwapJob: pipe jobs lists the swap job of a run whose
// replace resources were staged, with its state, and its last error
// while it waits for a retry (as River records a failed attempt).
func TestJobsListsTheSwapJob(t *testing.T) {
	bin := pipeBinary(t)
	dsn, _ := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	fake := fakeapi.New(fakeapi.Config{Orgs: 3, ProjectsPerOrg: 1, IssuesPerOrg: 1, Seed: 4, Token: "swap-token"})
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	env := []string{"SNYK_TOKEN=swap-token", "PIPE_QUEUE=" + dsn}
	run := pipeRunner(t, bin, env)
	run("submit", "testdata/replace.yml", "--var", "api_url="+srv.URL, "--batch", "2")
	w := start(t, "worker", bin, env, "worker", "--poll", "100ms")
	waitFor(t, 2*time.Minute, "the swap", func() (bool, error) {
		n, err := count(db, `SELECT count(*) FROM river_job WHERE kind = 'pipe_swap' AND state = 'completed'`)
		return n == 1, err
	})
	w.stop(t)
	if out := run("jobs"); !regexp.MustCompile(`(?m)^run \d+ .* completed  partitions 2/2 completed\n  swap: completed \(attempt 1\)$`).MatchString(out) {
		t.Errorf("pipe jobs should list the run's completed swap:\n%s", out)
	}
	if _, err := db.Exec(`UPDATE river_job SET state = 'retryable', finalized_at = NULL, scheduled_at = now() + interval '1 hour',
	errors = ARRAY['{"at": "2026-12-05T10:00:00Z", "attempt": 1, "error": "swap: canceling statement due to lock timeout", "trace": ""}'::jsonb]
WHERE kind = 'pipe_swap'`); err != nil {
		t.Fatal(err)
	}
	if out := run("jobs"); !regexp.MustCompile(`(?m)^  swap: retryable \(attempt 1\): swap: canceling statement due to lock timeout$`).MatchString(out) {
		t.Errorf("pipe jobs should list the swap waiting for its retry, with its error:\n%s", out)
	}
}
