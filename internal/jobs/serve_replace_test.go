package jobs_test

import (
	"database/sql"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/internal/dbcheck"
)

// TestServeReplacesExactlyAndAtomically: pipe serve loads a spec with
// replace resources (testdata/replace.yml) into SQLite. It does not
// stage: each run is one job that replaces the tables in its load's one
// transaction. A run against fake A leaves exactly A's projects, tags
// and issues; the schedule is then pointed at fake B, and serve gets
// SIGTERM while B's run loads: the tables still hold exactly A's data
// and no staging table exists; the restarted serve runs B again, whose
// data then replace A's exactly.
func TestServeReplacesExactlyAndAtomically(t *testing.T) {
	bin := pipeBinary(t)
	fakeA := fakeapi.New(fakeapi.Config{Orgs: 5, ProjectsPerOrg: 3, IssuesPerOrg: 4, Seed: 31, Token: "serve-token"})
	fakeB := fakeapi.New(fakeapi.Config{Orgs: 4, ProjectsPerOrg: 2, IssuesPerOrg: 3, Seed: 32, Token: "serve-token", Latency: time.Second})
	srvA := httptest.NewServer(fakeA.Handler())
	defer srvA.Close()
	srvB := httptest.NewServer(fakeB.Handler())
	defer srvB.Close()
	env := []string{"SNYK_TOKEN=serve-token"}
	spec, err := filepath.Abs("testdata/replace.yml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sched := filepath.Join(dir, "schedules.yml")
	schedule := func(url string) string {
		return fmt.Sprintf("- spec: %s\n  name: replace\n  every: 2s\n  vars: {api_url: %q}\n  dest: data.db\n", spec, url)
	}
	writeFile(t, sched, schedule(srvA.URL))
	data := filepath.Join(dir, "data.db")
	args := []string{"serve", "--schedule", sched, "--queue", data, "--poll", "100ms", "--grace", "0s", "--reload-poll", "200ms"}
	first := start(t, "serve 1", bin, env, args...)
	queue := dbcheck.Open(t, data)
	waitQueue(t, queue)
	runOf := func(url, state string) func() (bool, error) {
		return func() (bool, error) {
			n, err := count(queue, `SELECT count(*) FROM river_job WHERE kind = 'pipe_run' AND state = ? AND instr(args, ?) > 0`, state, url)
			return n > 0, err
		}
	}
	waitFor(t, time.Minute, "a run of A to complete", runOf(srvA.URL, "completed"))
	wantData(t, queue, fakeA.Snapshot())

	writeFile(t, sched, schedule(srvB.URL))
	waitFor(t, time.Minute, "a run of B to load", runOf(srvB.URL, "running"))
	time.Sleep(time.Second) // into its requests, past its first writes
	first.stop(t)
	if done, err := runOf(srvB.URL, "completed")(); err != nil || done {
		t.Fatalf("a run of B completed before SIGTERM (%v); want it interrupted", err)
	}
	wantData(t, queue, fakeA.Snapshot())
	noSQLiteStaging(t, queue)

	second := start(t, "serve 2", bin, env, args...)
	waitFor(t, time.Minute, "a run of B to complete", runOf(srvB.URL, "completed"))
	second.stop(t)
	wantData(t, queue, fakeB.Snapshot())
	noSQLiteStaging(t, queue)
}

// noSQLiteStaging checks that no staging table is left: neither a
// partitioned run's nor the one a replace load fills in its transaction.
func noSQLiteStaging(t *testing.T, db *sql.DB) {
	t.Helper()
	n, err := count(db, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND (name LIKE '%\_\_pipe\_run%' ESCAPE '\' OR name LIKE '%\_\_pipe\_staging%' ESCAPE '\')`)
	if err != nil || n != 0 {
		t.Errorf("%d staging tables (%v); want none", n, err)
	}
}
