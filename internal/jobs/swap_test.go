package jobs_test

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

// TestReplaceIsStagedAndSwappedOnceEveryPartitionCompleted runs three
// partitioned runs of a spec whose projects and issues (children of the
// partition root, orgs) are replace resources, with three worker
// processes:
//
//  1. against fake A, killing a worker mid-partition: once every
//     partition completed, the tables hold exactly A's projects, tags
//     and issues, the cursors are the live pipeline's, and no staging
//     table or staged cursor is left;
//  2. against fake B with one org refused (403) and its partition then
//     cancelled, as an operator abandons a run: the live tables still
//     hold A's data, and the run's staging tables stay;
//  3. against fake B: B's data replace A's, and run 2's staging tables
//     are dropped.
func TestReplaceIsStagedAndSwappedOnceEveryPartitionCompleted(t *testing.T) {
	bin := pipeBinary(t)
	dsn, _ := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	env := []string{"SNYK_TOKEN=replace-token", "PIPE_QUEUE=" + dsn}
	fakeA := fakeapi.New(fakeapi.Config{Orgs: 12, ProjectsPerOrg: 3, IssuesPerOrg: 4, Seed: 21, Token: "replace-token", Latency: 120 * time.Millisecond})
	fakeB := fakeapi.New(fakeapi.Config{Orgs: 9, ProjectsPerOrg: 2, IssuesPerOrg: 3, Seed: 22, Token: "replace-token"})
	forbidden := fakeB.Snapshot().Orgs[5].ID
	srvA := httptest.NewServer(fakeA.Handler())
	defer srvA.Close()
	srvB := httptest.NewServer(fakeB.Handler())
	defer srvB.Close()
	srvB403 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/orgs/"+forbidden+"/") {
			w.Header().Set("Content-Type", "application/vnd.api+json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"jsonapi":{"version":"1.0"},"errors":[{"status":"403","detail":"You do not have access to this organization"}]}`))
			return
		}
		fakeB.Handler().ServeHTTP(w, r)
	}))
	defer srvB403.Close()

	submit := func(url string) int64 {
		t.Helper()
		cmd := exec.Command(bin, "submit", "testdata/replace.yml", "--var", "api_url="+url, "--batch", "2")
		cmd.Env = append(cmd.Environ(), env...)
		out, err := cmd.CombinedOutput()
		m := regexp.MustCompile(`run (\d+): `).FindSubmatch(out)
		if err != nil || m == nil {
			t.Fatalf("pipe submit: %v\n%s", err, out)
		}
		var id int64
		fmt.Sscan(string(m[1]), &id)
		return id
	}
	runDone := func(run int64) func() (bool, error) {
		return func() (bool, error) {
			bad, err := count(db, `SELECT count(*) FROM river_job WHERE state IN ('discarded', 'cancelled')`)
			if err != nil || bad > 0 {
				return false, fmt.Errorf("%d jobs failed for good (%v)", bad, err)
			}
			n, err := count(db, `SELECT count(*) FROM river_job WHERE kind = 'pipe_swap' AND (args->>'run_id')::bigint = $1 AND state = 'completed'`, run)
			return n == 1, err
		}
	}
	var workers []*proc
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("r%d", i)
		workers = append(workers, start(t, id, bin, env, "worker", "--id", id, "--jobs", "2", "--poll", "100ms", "--rescue-after", "10s"))
	}

	// 1. Against A, with r1 killed while it loads a partition. On a
	// loaded machine r1 may finish the partition between the check and
	// the kill: then a new r1 is started and killed again, so that a
	// partition is always cut short.
	run1 := submit(srvA.URL)
	cut := false // a partition was cut short by the kill
	for try := 1; ; try++ {
		var job int64
		waitFor(t, 2*time.Minute, "r1 to work a partition", func() (bool, error) {
			err := db.QueryRow(`SELECT id FROM river_job WHERE kind = 'pipe_partition' AND state = 'running' AND attempted_by[array_length(attempted_by, 1)] = 'r1' LIMIT 1`).Scan(&job)
			if errors.Is(err, sql.ErrNoRows) {
				var all, left int
				err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE state <> 'completed') FROM river_job WHERE kind = 'pipe_partition' AND (args->>'run_id')::bigint = $1`, run1).Scan(&all, &left)
				return all > 0 && left == 0, err // none left to cut short
			}
			return err == nil, err
		})
		if job == 0 {
			t.Logf("try %d: no partition of run %d left to cut short", try, run1)
			break
		}
		_ = workers[0].cmd.Process.Signal(syscall.SIGKILL)
		<-workers[0].done
		var state string
		if err := db.QueryRow(`SELECT state FROM river_job WHERE id = $1`, job).Scan(&state); err != nil {
			t.Fatal(err)
		}
		t.Logf("try %d: r1 killed while on partition job %d, now %s", try, job, state)
		if cut = state != "completed"; cut || try == 3 {
			break
		}
		t.Logf("r1 completed partition job %d before the kill landed; killing a new r1", job)
		workers[0] = start(t, "r1", bin, env, "worker", "--id", "r1", "--jobs", "2", "--poll", "100ms", "--rescue-after", "10s")
	}
	waitFor(t, 3*time.Minute, "run 1's swap", runDone(run1))
	if n, err := count(db, `SELECT count(*) FROM river_job WHERE kind = 'pipe_partition' AND attempt > 1`); err != nil || (n == 0 && cut) {
		t.Errorf("%d partitions attempted twice (%v); want the killed one", n, err)
	} else if !cut {
		t.Logf("no kill landed mid-partition in three tries: the rescue of a killed partition was not exercised this time")
	}
	wantData(t, db, fakeA.Snapshot())
	noStaging(t, db)
	if n, err := count(db, `SELECT count(*) FROM _pipe_state WHERE pipeline = 'replace_fanout' AND resource = 'issues'`); err != nil || n != 12 {
		t.Errorf("issues cursors: %d (%v); want one per org of A, swapped in with the tables", n, err)
	}

	// 2. Against B with one org refused; the run is then abandoned.
	run2 := submit(srvB403.URL)
	waitFor(t, 2*time.Minute, "run 2 to stall on the refused org", func() (bool, error) {
		done, err := count(db, `SELECT count(*) FROM river_job WHERE kind = 'pipe_partition' AND (args->>'run_id')::bigint = $1 AND state = 'completed'`, run2)
		if err != nil {
			return false, err
		}
		failed, err := count(db, `SELECT count(*) FROM river_job WHERE kind = 'pipe_partition' AND (args->>'run_id')::bigint = $1 AND state = 'retryable'`, run2)
		return done == 3 && failed == 1, err // 9 orgs by 2: the run's own and 4 partitions
	})
	// A job waiting for its retry is cancelled; a running one would be
	// overwritten by its worker, so the update waits for it to fail again.
	waitFor(t, time.Minute, "the refused partition to be cancelled", func() (bool, error) {
		res, err := db.Exec(`UPDATE river_job SET state = 'cancelled', finalized_at = now() WHERE kind = 'pipe_partition' AND (args->>'run_id')::bigint = $1 AND state IN ('retryable', 'available')`, run2)
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		return n == 1, err
	})
	wantData(t, db, fakeA.Snapshot())
	if n, err := count(db, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1`, fmt.Sprintf("%%__pipe_run%d%%", run2)); err != nil || n < 2 {
		t.Errorf("run 2's staging tables: %d (%v); want them kept until the next run", n, err)
	}
	if _, err := db.Exec(`DELETE FROM river_job WHERE state = 'cancelled'`); err != nil { // runDone counts them
		t.Fatal(err)
	}

	// 3. Against B: B's data replace A's; run 2's staging is dropped.
	run3 := submit(srvB.URL)
	waitFor(t, 3*time.Minute, "run 3's swap", runDone(run3))
	for _, w := range workers[1:] {
		w.stop(t)
	}
	wantData(t, db, fakeB.Snapshot())
	noStaging(t, db)
}

// wantData checks that projects, their tags and issues hold exactly
// snap's.
func wantData(t *testing.T, db *sql.DB, snap fakeapi.Snapshot) {
	t.Helper()
	var projects, tags, issues []string
	for _, p := range snap.Projects {
		projects = append(projects, p.ID+" "+p.Relationships.Organization.Data.ID)
		for _, tg := range p.Attributes.Tags {
			tags = append(tags, p.ID+" "+tg.Key+"="+tg.Value)
		}
	}
	for _, is := range snap.Issues {
		issues = append(issues, is.ID)
	}
	sameRows(t, db, "projects", `SELECT id || ' ' || _orgs_id FROM projects`, projects)
	sameRows(t, db, "projects__attributes__tags", `SELECT p.id || ' ' || t.key || '=' || t.value FROM projects__attributes__tags t JOIN projects p ON p._pipe_id = t._pipe_parent_id`, tags)
	sameRows(t, db, "issues", `SELECT id FROM issues`, issues)
}

// noStaging checks that no staging table, record or cursor is left.
func noStaging(t *testing.T, db *sql.DB) {
	t.Helper()
	for what, q := range map[string]string{
		"staging tables":  `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE '%\_\_pipe\_run%'`,
		"staging records": `SELECT count(*) FROM _pipe_schema WHERE table_name LIKE '%\_\_pipe\_run%'`,
		"staged cursors":  `SELECT count(*) FROM _pipe_state WHERE pipeline LIKE '%#run%'`,
		"run counts":      `SELECT count(*) FROM pipe_run_done`,
	} {
		if n, err := count(db, q); err != nil || n != 0 {
			t.Errorf("%s: %d left (%v); want none", what, n, err)
		}
	}
}
