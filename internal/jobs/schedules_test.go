package jobs_test

import (
	"net/http/httptest"
	"os/exec"
	"regexp"
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

// TestCronFiresOncePerMatchWithThreeWorkers submits a cron schedule
// that matches every other second, runs three workers, and checks that
// every run was scheduled at a match of its own (never two runs for one
// match, whichever worker leads), that no match in between was skipped,
// and that pipe jobs shows the schedule with its next match.
func TestCronFiresOncePerMatchWithThreeWorkers(t *testing.T) {
	bin := pipeBinary(t)
	dsn, _ := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	fake := fakeapi.New(fakeapi.Config{Orgs: 2, ProjectsPerOrg: 1, IssuesPerOrg: 1, Seed: 4, Token: "cron-token"})
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	env := []string{"SNYK_TOKEN=cron-token", "PIPE_QUEUE=" + dsn}
	run := pipeRunner(t, bin, env)
	const cron = "*/2 * * * * *"
	if out := run("submit", "snyk", "--var", "api_url="+srv.URL, "--resources", "orgs", "--cron", cron, "--name", "cron-snyk"); !strings.Contains(out, `schedule "cron-snyk": a run of snyk cron `+cron) {
		t.Fatalf("pipe submit --cron: %s", out)
	}
	var workers []*proc
	for _, id := range []string{"c1", "c2", "c3"} {
		workers = append(workers, start(t, id, bin, env, "worker", "--id", id, "--poll", "100ms"))
	}
	waitFor(t, 2*time.Minute, "four cron runs", func() (bool, error) {
		n, err := count(db, `SELECT count(*) FROM river_job WHERE kind = 'pipe_run' AND state = 'completed' AND args->>'schedule' = 'cron-snyk'`)
		return n >= 4, err
	})
	for _, w := range workers {
		w.stop(t)
	}
	rows, err := db.Query(`SELECT scheduled_at FROM river_job WHERE kind = 'pipe_run' AND args->>'schedule' = 'cron-snyk' ORDER BY scheduled_at`)
	if err != nil {
		t.Fatal(err)
	}
	var at []time.Time
	for rows.Next() {
		var ts time.Time
		if err := rows.Scan(&ts); err != nil {
			t.Fatal(err)
		}
		at = append(at, ts)
	}
	rows.Close()
	// A match while the previous run is still queued or running is
	// skipped, and the leader logs it (a slow machine makes a run outlast
	// its two seconds); any other match without a run is a lost fire.
	var logs string
	for _, w := range workers {
		logs += w.out.String()
	}
	skipped := skippedFires(t, logs, "cron-snyk")
	for i, ts := range at {
		if ts.Nanosecond() != 0 || ts.Second()%2 != 0 {
			t.Errorf("run %d scheduled at %s; want a match of %q", i, ts.Format(time.RFC3339Nano), cron)
		}
		if i == 0 {
			continue
		}
		if ts.Sub(at[i-1]) <= 0 {
			t.Errorf("runs %d and %d scheduled %s apart; want one run per match", i-1, i, ts.Sub(at[i-1]))
		}
		for m := at[i-1].Add(2 * time.Second); m.Before(ts); m = m.Add(2 * time.Second) {
			if !skipped(m) {
				t.Errorf("no run at the match %s between runs %d and %d, and no worker logged it skipped", m.Format(time.RFC3339), i-1, i)
			}
		}
	}
	out := run("jobs", "--limit", "1")
	if !regexp.MustCompile(`(?m)^schedule cron-snyk  snyk/snyk\.yml  cron \*/2 \* \* \* \* \*  next \d{4}-\d\d-\d\dT\d\d:\d\d:\d[02468]Z$`).MatchString(out) {
		t.Errorf("pipe jobs should show the schedule and its next match:\n%s", out)
	}
}

// skippedFires reads the workers' logs and returns whether the match at
// m of the schedule was logged as skipped, its previous run still
// queued or running: a warning logged within the two seconds after m.
func skippedFires(t *testing.T, logs, schedule string) func(m time.Time) bool {
	t.Helper()
	var at []time.Time
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, "this fire is skipped") || !strings.Contains(line, "schedule="+schedule) {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "time=") {
			t.Fatalf("a skip logged without its time: %q", line)
		}
		ts, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(f[0], "time="))
		if err != nil {
			t.Fatalf("a skip logged at a time that does not parse: %q: %v", line, err)
		}
		at = append(at, ts)
	}
	return func(m time.Time) bool {
		for _, ts := range at {
			if !ts.Before(m) && ts.Before(m.Add(2*time.Second)) {
				return true
			}
		}
		return false
	}
}
