package jobs_test

import (
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

// TestScheduleFiresOncePerIntervalWithThreeWorkers submits a schedule of
// 2 seconds, runs three workers, and checks that the runs it started are
// one per interval, not one per worker, and that they completed.
func TestScheduleFiresOncePerIntervalWithThreeWorkers(t *testing.T) {
	bin := pipeBinary(t)
	dsn, _ := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	fake := fakeapi.New(fakeapi.Config{Orgs: 2, ProjectsPerOrg: 1, IssuesPerOrg: 1, Seed: 3, Token: "sched-token"})
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	env := []string{"SNYK_TOKEN=sched-token", "PIPE_QUEUE=" + dsn}

	const every = 2 * time.Second
	submit := exec.Command(bin, "submit", "snyk", "--var", "api_url="+srv.URL, "--resources", "orgs,projects", "--every", every.String(), "--name", "hourly-snyk")
	submit.Env = append(submit.Environ(), env...)
	if out, err := submit.CombinedOutput(); err != nil || !strings.Contains(string(out), `schedule "hourly-snyk"`) {
		t.Fatalf("pipe submit: %v\n%s", err, out)
	}
	started := time.Now()
	var workers []*proc
	for _, id := range []string{"s1", "s2", "s3"} {
		workers = append(workers, start(t, id, bin, env, "worker", "--id", id, "--poll", "100ms"))
	}
	waitFor(t, 2*time.Minute, "three scheduled runs", func() (bool, error) {
		n, err := count(db, `SELECT count(*) FROM river_job WHERE kind = 'pipe_run' AND state = 'completed' AND args->>'schedule' = 'hourly-snyk'`)
		return n >= 3, err
	})
	for _, w := range workers {
		w.stop(t)
	}
	elapsed := time.Since(started)
	runs, err := count(db, `SELECT count(*) FROM river_job WHERE kind = 'pipe_run' AND args->>'schedule' = 'hourly-snyk'`)
	if err != nil {
		t.Fatal(err)
	}
	// One per interval at most (plus the one due when the count is read);
	// a run per worker would make about three times as many.
	if limit := int(elapsed/every) + 1; runs > limit {
		t.Errorf("%d scheduled runs in %s; want at most %d, one per %s", runs, elapsed.Round(time.Millisecond), limit, every)
	}
	// Runs are spaced by the interval: no two in one period.
	near, err := count(db, `SELECT count(*) FROM river_job a JOIN river_job b ON a.id < b.id
WHERE a.kind = 'pipe_run' AND b.kind = 'pipe_run' AND abs(extract(epoch FROM b.created_at - a.created_at)) < 1`)
	if err != nil || near > 0 {
		t.Errorf("%d pairs of scheduled runs less than a second apart (%v); want none", near, err)
	}
	loaded, err := count(db, `SELECT count(*) FROM orgs`)
	if err != nil || loaded != 2 {
		t.Errorf("orgs: %d rows (%v); want the fake's 2, merged by every run", loaded, err)
	}
}
