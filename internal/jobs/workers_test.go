package jobs_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

// TestWorkersLoadEveryPartitionOnceWhenOneIsKilled runs three pipe
// worker processes on a run of the shipped snyk spec against the fake
// Snyk API with 200 orgs, kills one with SIGKILL while it loads a
// partition, and checks that the tables hold exactly the fake's data:
// the killed partition's rows were not committed by the dead worker,
// River gave the job to another one, and no partition was lost or
// loaded twice. The fake also sees the workers together keep to the
// spec's 1,620 requests a minute.
func TestWorkersLoadEveryPartitionOnceWhenOneIsKilled(t *testing.T) {
	bin := pipeBinary(t)
	dsn, _ := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	fake := fakeapi.New(fakeapi.Config{Orgs: 200, ProjectsPerOrg: 2, IssuesPerOrg: 3, Seed: 17, Token: "jobs-token", Latency: 40 * time.Millisecond})
	arrivals := &arrivals{}
	srv := httptest.NewServer(arrivals.record(fake.Handler()))
	defer srv.Close()
	env := []string{"SNYK_TOKEN=jobs-token", "PIPE_QUEUE=" + dsn}

	submit := exec.Command(bin, "submit", "snyk", "--var", "api_url="+srv.URL, "--resources", "orgs,projects,issues", "--batch", "4")
	submit.Env = append(submit.Environ(), env...)
	if out, err := submit.CombinedOutput(); err != nil || !strings.Contains(string(out), "submitted") {
		t.Fatalf("pipe submit: %v\n%s", err, out)
	}
	var workers []*proc
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("w%d", i)
		workers = append(workers, start(t, id, bin, env, "worker", "--id", id, "--jobs", "2", "--poll", "100ms", "--rescue-after", "15s"))
	}

	// Kill w1 while it runs a partition: its load's transaction is open.
	waitFor(t, 2*time.Minute, "w1 to work a partition", func() (bool, error) {
		n, err := count(db, `SELECT count(*) FROM river_job WHERE kind = 'pipe_partition' AND state = 'running' AND attempted_by[array_length(attempted_by, 1)] = 'w1'`)
		return n > 0, err
	})
	var killed int64
	if err := db.QueryRow(`SELECT id FROM river_job WHERE kind = 'pipe_partition' AND state = 'running' AND attempted_by[array_length(attempted_by, 1)] = 'w1' LIMIT 1`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	_ = workers[0].cmd.Process.Signal(syscall.SIGKILL)
	<-workers[0].done

	waitFor(t, 3*time.Minute, "every job to complete", func() (bool, error) {
		bad, err := count(db, `SELECT count(*) FROM river_job WHERE state IN ('discarded', 'cancelled')`)
		if err != nil || bad > 0 {
			return false, fmt.Errorf("%d jobs failed for good (%v)", bad, err)
		}
		n, err := count(db, `SELECT count(*) FROM river_job WHERE state <> 'completed'`)
		return n == 0, err
	})
	for _, w := range workers[1:] {
		w.stop(t)
	}

	var attempts int
	var by string
	if err := db.QueryRow(`SELECT attempt, array_to_string(attempted_by, ',') FROM river_job WHERE id = $1`, killed).Scan(&attempts, &by); err != nil {
		t.Fatal(err)
	}
	if attempts < 2 || !strings.HasPrefix(by, "w1,") {
		t.Errorf("the killed partition (job %d) was attempted %d times by %s; want it taken over after w1", killed, attempts, by)
	}
	parts, err := count(db, `SELECT count(*) FROM river_job WHERE kind = 'pipe_partition'`)
	if err != nil || parts != 49 {
		t.Errorf("partition jobs: %d (%v); want 49 besides the run's own (200 orgs by 4)", parts, err)
	}

	// 1620 a minute is 27 a second: any 5 seconds hold at most 135
	// requests, and a few more for arrival jitter.
	if n, total := arrivals.maxIn(5*time.Second), arrivals.total(); n > 27*5+5 || total < 27*5*2 {
		t.Errorf("%d requests in the busiest 5 seconds (of %d); want at most 140 of more than 270", n, total)
	}

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
	sameRows(t, db, "issues", `SELECT id || ' ' || to_char(attributes__updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM issues`, issues)
}

// sameRows checks that query returns exactly want, each row once.
func sameRows(t *testing.T, db *sql.DB, table, query string, want []string) {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		got = append(got, s)
	}
	sort.Strings(got)
	sort.Strings(want)
	if len(got) != len(want) {
		t.Errorf("%s: %d rows; want %d", table, len(got), len(want))
	}
	for i := 0; i < min(len(got), len(want)); i++ {
		if got[i] != want[i] {
			t.Errorf("%s: row %d is %q; want %q", table, i, got[i], want[i])
			return
		}
	}
}

// arrivals records when the fake received each request.
type arrivals struct {
	mu sync.Mutex
	at []time.Time
}

func (a *arrivals) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.at = append(a.at, time.Now())
		a.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (a *arrivals) total() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.at)
}

// maxIn returns the most requests received within any window of d.
func (a *arrivals) maxIn(d time.Duration) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	at := slices.Clone(a.at)
	slices.SortFunc(at, time.Time.Compare)
	best, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= d {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}
