package jobs_test

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/internal/dbcheck"
)

// serveFake is the fake Snyk and Checkmarx SCA API of the serve tests.
func serveFake(t *testing.T, latency time.Duration) (*fakeapi.Server, *httptest.Server, []string) {
	t.Helper()
	fake := fakeapi.New(fakeapi.Config{Orgs: 3, ProjectsPerOrg: 2, IssuesPerOrg: 4, ScansPerProject: 3, Seed: 5,
		Token: "serve-token", CxUsername: "cx-user", CxPassword: "cx-password", CxTenant: "acme", Latency: latency})
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	env := []string{"SNYK_TOKEN=serve-token", "CHECKMARX_USERNAME=cx-user", "CHECKMARX_PASSWORD=cx-password"}
	return fake, srv, env
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runTimes returns the scheduled times of the runs of schedule, oldest
// first, and how many of them completed.
func runTimes(t *testing.T, db *sql.DB, schedule string) ([]time.Time, int) {
	t.Helper()
	rows, err := db.Query(`SELECT scheduled_at, state FROM river_job WHERE kind = 'pipe_run' AND json_extract(args, '$.schedule') = ? ORDER BY scheduled_at`, schedule)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var at []time.Time
	done := 0
	for rows.Next() {
		var ts time.Time
		var state string
		if err := rows.Scan(&ts, &state); err != nil {
			t.Fatal(err)
		}
		at = append(at, ts)
		if state == "completed" {
			done++
		}
	}
	return at, done
}

// snykRows checks that data holds exactly the fake's orgs, projects and
// issues, each once.
func snykRows(t *testing.T, db *sql.DB, fake *fakeapi.Server) {
	t.Helper()
	snap := fake.Snapshot()
	var orgs, projects, issues []string
	for _, o := range snap.Orgs {
		orgs = append(orgs, o.ID)
	}
	for _, p := range snap.Projects {
		projects = append(projects, p.ID+" "+p.Relationships.Organization.Data.ID)
	}
	for _, is := range snap.Issues {
		issues = append(issues, is.ID+" "+is.Attributes.UpdatedAt)
	}
	sameRows(t, db, "orgs", `SELECT id FROM orgs`, orgs)
	sameRows(t, db, "projects", `SELECT id || ' ' || _orgs_id FROM projects`, projects)
	sameRows(t, db, "issues", `SELECT id || ' ' || substr(attributes__updated_at, 1, 19) || 'Z' FROM issues`, issues)
}

// TestServeRunsEachScheduleOnTime: pipe serve, as a process, runs a
// schedule file of two specs against the fake, one every 2 s into the
// queue's own SQLite file, one by cron every 3 s into a file of its
// own. Each fires on its interval or its cron matches, never twice for
// one; the tables hold exactly the fake's data; in the queue's file
// every completed run has exactly one completed load (the job's
// completion commits with its load); a changed file is read again.
func TestServeRunsEachScheduleOnTime(t *testing.T) {
	bin := pipeBinary(t)
	fake, srv, env := serveFake(t, 0)
	dir := t.TempDir()
	sched := filepath.Join(dir, "schedules.yml")
	snyk := fmt.Sprintf(`- spec: snyk
  every: 2s
  vars: {api_url: %q}
  resources: [orgs, projects, issues]
  dest: data.db
`, srv.URL)
	writeFile(t, sched, snyk+fmt.Sprintf(`- name: cx
  spec: checkmarx_sca
  cron: "*/3 * * * * *"
  vars: {api_url: %q, token_url: %q, tenant: acme}
  resources: [projects, scans]
`, srv.URL, srv.URL+"/identity/connect/token"))
	data := filepath.Join(dir, "data.db")
	p := start(t, "serve", bin, env, "serve", "--schedule", sched, "--queue", "sqlite://"+data, "--poll", "100ms", "--reload-poll", "200ms")
	queue := dbcheck.Open(t, data)
	waitQueue(t, queue)
	waitFor(t, 2*time.Minute, "three completed runs of each schedule", func() (bool, error) {
		_, s := runTimes(t, queue, "snyk")
		_, c := runTimes(t, queue, "cx")
		return s >= 3 && c >= 3, nil
	})

	// Read again: the cx entry is dropped.
	writeFile(t, sched, snyk)
	waitFor(t, time.Minute, "the changed schedule file", func() (bool, error) {
		n, err := count(queue, `SELECT count(*) FROM pipe_schedule`)
		return n == 1, err
	})
	cxBefore, _ := runTimes(t, queue, "cx")
	_, s0 := runTimes(t, queue, "snyk")
	waitFor(t, time.Minute, "two more snyk runs", func() (bool, error) {
		_, s := runTimes(t, queue, "snyk")
		return s >= s0+2, nil
	})
	if cxAfter, _ := runTimes(t, queue, "cx"); len(cxAfter) > len(cxBefore)+1 {
		t.Errorf("cx ran %d more times after it was dropped from the file", len(cxAfter)-len(cxBefore))
	}
	p.stop(t)
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("pipe serve exited %d after SIGTERM; want 0", code)
	}

	jobs := exec.Command(bin, "jobs", "--queue", "sqlite://"+data, "--limit", "1")
	out, err := jobs.CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^schedule snyk  snyk/snyk\.yml  every 2s  next \d{4}-\d\d-\d\dT[\d:]{8}Z$`).Match(out) {
		t.Errorf("pipe jobs on the SQLite queue (%v) should list the schedule in force and its next time:\n%s", err, out)
	}
	snykAt, snykDone := runTimes(t, queue, "snyk")
	// A fire while the previous run still loads is skipped and logged
	// (a loaded machine); any other gap is a lost fire.
	skipped := skippedFires(t, p.out.String(), "snyk")
	for i := 1; i < len(snykAt); i++ {
		d := snykAt[i].Sub(snykAt[i-1])
		if d < 2*time.Second || d%(2*time.Second) != 0 {
			t.Errorf("snyk runs %d and %d are scheduled %s apart; want every 2s", i-1, i, d)
			continue
		}
		for m := snykAt[i-1].Add(2 * time.Second); m.Before(snykAt[i]); m = m.Add(2 * time.Second) {
			if !skipped(m) {
				t.Errorf("no snyk run at %s between runs %d and %d, and serve did not log it skipped", m.Format(time.RFC3339), i-1, i)
			}
		}
	}
	cxAt, _ := runTimes(t, queue, "cx")
	for i, at := range cxAt {
		if at.Nanosecond() != 0 || at.Second()%3 != 0 || i > 0 && !at.After(cxAt[i-1]) {
			t.Errorf("cx run %d is scheduled at %s; want each at its own match of */3 seconds", i, at.Format(time.RFC3339Nano))
		}
	}
	loads, err := count(queue, `SELECT count(*) FROM _pipe_loads WHERE pipeline = 'snyk' AND status = 'completed'`)
	if err != nil || loads != snykDone {
		t.Errorf("%d completed snyk loads (%v) for %d completed runs; want one each", loads, err, snykDone)
	}
	snykRows(t, queue, fake)

	cx := dbcheck.Open(t, filepath.Join(dir, "checkmarx_sca.db"))
	snap := fake.Snapshot()
	var projects, scans []string
	for _, p := range snap.Checkmarx.Projects {
		projects = append(projects, p.ID)
	}
	for _, s := range snap.Checkmarx.Scans {
		scans = append(scans, s.ScanID+" "+s.ProjectID)
	}
	sameRows(t, cx, "cx projects", `SELECT id FROM projects`, projects)
	sameRows(t, cx, "cx scans", `SELECT scan_id || ' ' || project_id FROM scans`, scans)
}

// TestServeSIGTERMMidRunRollsBackAndRunsAgain: SIGTERM while a run
// loads (with no grace) rolls its load back: nothing of it is
// committed. Started again, pipe serve runs that job again, and the
// tables then hold the fake's data exactly once, each completed run
// with one completed load.
func TestServeSIGTERMMidRunRollsBackAndRunsAgain(t *testing.T) {
	bin := pipeBinary(t)
	fake, srv, env := serveFake(t, 300*time.Millisecond)
	dir := t.TempDir()
	sched := filepath.Join(dir, "schedules.yml")
	writeFile(t, sched, fmt.Sprintf(`- spec: snyk
  every: 4s
  vars: {api_url: %q}
  resources: [orgs, projects, issues]
`, srv.URL))
	data := filepath.Join(dir, "snyk.db")
	args := []string{"serve", "--schedule", sched, "--queue", data, "--poll", "100ms", "--grace", "0s"}
	first := start(t, "serve 1", bin, env, args...)
	queue := dbcheck.Open(t, data)
	waitQueue(t, queue)
	var job int64
	waitFor(t, time.Minute, "a run to load", func() (bool, error) {
		err := queue.QueryRow(`SELECT id FROM river_job WHERE kind = 'pipe_run' AND state = 'running'`).Scan(&job)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	})
	time.Sleep(500 * time.Millisecond) // into its requests
	first.stop(t)
	if n, err := count(queue, `SELECT count(*) FROM _pipe_loads WHERE status = 'completed'`); err == nil && n > 0 {
		t.Fatalf("%d loads completed; want the interrupted one rolled back", n)
	}
	if n, err := count(queue, `SELECT count(*) FROM sqlite_master WHERE name = 'issues'`); err != nil || n > 0 {
		if m, _ := count(queue, `SELECT count(*) FROM issues`); m > 0 {
			t.Fatalf("%d issues committed by the interrupted run", m)
		}
	}

	second := start(t, "serve 2", bin, env, append(args[:len(args)-2], "--reload-poll", "1h")...)
	waitFor(t, time.Minute, "the interrupted run to complete", func() (bool, error) {
		n, err := count(queue, `SELECT count(*) FROM river_job WHERE id = ? AND state = 'completed'`, job)
		return n == 1, err
	})
	// SIGHUP reads the file again (no change is looked for within 1h).
	writeFile(t, sched, fmt.Sprintf(`- spec: snyk
  name: renamed
  every: 1h
  vars: {api_url: %q}
  resources: [orgs, projects, issues]
`, srv.URL))
	_ = second.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, time.Minute, "the schedule file read again on SIGHUP", func() (bool, error) {
		n, err := count(queue, `SELECT count(*) FROM pipe_schedule WHERE name = 'renamed'`)
		return n == 1, err
	})
	second.stop(t)
	if code := second.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("pipe serve exited %d after SIGHUP and SIGTERM; want 0", code)
	}
	runs, err := count(queue, `SELECT count(*) FROM river_job WHERE kind = 'pipe_run' AND state = 'completed'`)
	if err != nil {
		t.Fatal(err)
	}
	loads, err := count(queue, `SELECT count(*) FROM _pipe_loads WHERE status = 'completed'`)
	if err != nil || loads != runs {
		t.Errorf("%d completed loads (%v) for %d completed runs; want one each", loads, err, runs)
	}
	snykRows(t, queue, fake)
}

// TestServeRefusesAMalformedScheduleFile: every problem of the file is
// reported at its line and column, with exit 2, before anything runs.
func TestServeRefusesAMalformedScheduleFile(t *testing.T) {
	bin := pipeBinary(t)
	dir := t.TempDir()
	sched := filepath.Join(dir, "schedules.yml")
	writeFile(t, sched, `- spec: snyk
  every: 1h
  cron: "0 * * * *"
- spec: snyk
  evry: 1h
- spec: no-such-spec
  cron: "0 25 * * *"
- spec: snyk
  every: 1h
  resources: [nope]
- spec: snyk
  every: 1h
  dest: postgres://u:secret@db/pipe
`)
	cmd := exec.Command(bin, "serve", "--schedule", sched)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("pipe serve: %v; want exit 2\n%s", err, out)
	}
	for _, want := range []string{
		sched + `:3:9: [0].cron: give every or cron, not both`,
		sched + `:5:3: [1].evry: unknown field, did you mean "every"?`,
		sched + `:7:9: [2].cron: cron "0 25 * * *": end of range (25) above maximum (23)`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "pipe-queue.db")); err == nil {
		t.Error("a malformed schedule file made the queue")
	}

	// The entries' own shape is right; their specs, resources and
	// destinations are not.
	writeFile(t, sched, `- spec: no-such-spec
  every: 1h
- spec: snyk
  every: 1h
  resources: [nope]
- spec: snyk
  name: pg
  every: 1h
  dest: postgres://u:secret@db/pipe
`)
	out, err = exec.Command(bin, "serve", "--schedule", sched).CombinedOutput()
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("pipe serve: %v; want exit 2\n%s", err, out)
	}
	for _, want := range []string{
		sched + `:1:9: [0].spec: spec "no-such-spec" is neither a file nor a shipped spec`,
		sched + `:3:3: [1]: spec snyk: `,
		sched + `:6:3: [2].dest: "postgres://u:***@db/pipe": want a SQLite file`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "secret") {
		t.Errorf("the output shows the password:\n%s", out)
	}
}

// waitQueue waits until pipe serve made its queue's tables.
func waitQueue(t *testing.T, db *sql.DB) {
	t.Helper()
	waitFor(t, time.Minute, "the queue's tables", func() (bool, error) {
		n, err := count(db, `SELECT count(*) FROM sqlite_master WHERE name IN ('river_job', 'pipe_schedule')`)
		return n == 2, err
	})
}

// TestServeSkipsAFireWhileThePreviousRunIsPending: runs slower than
// their interval do not pile up: a fire is skipped while the schedule's
// previous run is queued or running.
func TestServeSkipsAFireWhileThePreviousRunIsPending(t *testing.T) {
	bin := pipeBinary(t)
	_, srv, env := serveFake(t, 400*time.Millisecond)
	dir := t.TempDir()
	sched := filepath.Join(dir, "schedules.yml")
	writeFile(t, sched, fmt.Sprintf(`- spec: snyk
  every: 1s
  vars: {api_url: %q}
  resources: [orgs, projects, issues]
`, srv.URL))
	data := filepath.Join(dir, "snyk.db")
	p := start(t, "serve", bin, env, "serve", "--schedule", sched, "--queue", data, "--poll", "100ms")
	queue := dbcheck.Open(t, data)
	waitQueue(t, queue)
	most := 0
	waitFor(t, 2*time.Minute, "three completed runs", func() (bool, error) {
		n, err := count(queue, `SELECT count(*) FROM river_job WHERE kind = 'pipe_run' AND finalized_at IS NULL`)
		most = max(most, n)
		_, done := runTimes(t, queue, "snyk")
		return done >= 3, err
	})
	p.stop(t)
	if most > 1 {
		t.Errorf("%d runs of one schedule were pending at once; want at most one", most)
	}
	at, _ := runTimes(t, queue, "snyk")
	for i := 1; i < len(at); i++ {
		if d := at[i].Sub(at[i-1]); d < 2*time.Second || d%time.Second != 0 {
			t.Errorf("runs %d and %d are scheduled %s apart; want whole intervals, a fire skipped while the slower run loaded", i-1, i, d)
		}
	}
}
