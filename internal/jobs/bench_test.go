package jobs_test

import (
	"fmt"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

// BenchmarkWorkers loads a latency-bound fan-out (examples/bench/
// fanout.yml against the fake Snyk API: 60 orgs, 5 projects each, one
// dependency graph request per project, 50 ms per request; 361 requests)
// with 1, 2 and 4 worker processes, each working 2 partitions of 3 orgs
// at once with 2 requests in flight per partition. The time is from
// submit to the last partition's commit (workers already started).
//
//	go test -run '^$' -bench Workers -benchtime 3x ./internal/jobs/
func BenchmarkWorkers(b *testing.B) {
	bin := pipeBinary(b)
	fake := fakeapi.New(fakeapi.Config{Orgs: 60, ProjectsPerOrg: 5, IssuesPerOrg: 1, Seed: 1, Token: "bench-token", Latency: 50 * time.Millisecond})
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				dsn, _ := pgtest.DSN(b)
				db := pgtest.Open(b, dsn)
				env := []string{"SNYK_TOKEN=bench-token", "PIPE_QUEUE=" + dsn}
				var workers []*proc
				for i := range n {
					workers = append(workers, start(b, fmt.Sprintf("b%d", i), bin, env, "worker", "--jobs", "2", "--concurrency", "2"))
				}
				for _, w := range workers {
					w.waitStarted(b)
				}
				b.StartTimer()
				submit := exec.Command(bin, "submit", "../../examples/bench/fanout.yml", "--var", "api_url="+srv.URL, "--batch", "3")
				submit.Env = append(submit.Environ(), env...)
				if out, err := submit.CombinedOutput(); err != nil {
					b.Fatalf("pipe submit: %v\n%s", err, out)
				}
				waitFor(b, 5*time.Minute, "the run to complete", func() (bool, error) {
					runs, err := count(db, `SELECT count(*) FROM river_job WHERE kind = 'pipe_run' AND state = 'completed'`)
					if err != nil || runs == 0 {
						return false, err
					}
					open, err := count(db, `SELECT count(*) FROM river_job WHERE state <> 'completed'`)
					return open == 0, err
				})
				b.StopTimer()
				for _, w := range workers { // a dead worker would pass for a slow one
					select {
					case <-w.done:
						b.Fatalf("%s exited during the run:\n%s", w.name, w.out)
					default:
					}
				}
				// Where the time goes: failed attempts (retried after 1 s, 2 s…),
				// a partition's work, and its wait in the queue.
				var retries, work, wait float64
				if err := db.QueryRow(`SELECT coalesce(sum(coalesce(array_length(errors, 1), 0)), 0)::float8,
	avg(extract(epoch FROM finalized_at - attempted_at))::float8,
	avg(extract(epoch FROM attempted_at - scheduled_at))::float8
FROM river_job WHERE kind = 'pipe_partition'`).Scan(&retries, &work, &wait); err != nil {
					b.Fatal(err)
				}
				used, err := count(db, `SELECT count(DISTINCT attempted_by[array_length(attempted_by, 1)]) FROM river_job`)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(used), "workers-used")
				// How soon each worker took its first partition once the run's
				// job completed (its commit included): the fetch delay.
				var pickup float64
				if err := db.QueryRow(`SELECT avg(extract(epoch FROM w.first - r.finalized_at))::float8
FROM (SELECT min(attempted_at) AS first FROM river_job WHERE kind = 'pipe_partition' GROUP BY attempted_by[array_length(attempted_by, 1)]) w,
	(SELECT finalized_at FROM river_job WHERE kind = 'pipe_run') r`).Scan(&pickup); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(pickup, "s-pickup")
				b.ReportMetric(retries, "retries/op")
				b.ReportMetric(work, "s/partition")
				b.ReportMetric(wait, "s-queued/partition")
				if got, err := count(db, `SELECT count(*) FROM dep_graph`); err != nil || got != 300 {
					b.Fatalf("dep_graph: %d rows (%v); want 300", got, err)
				}
				for _, w := range workers {
					w.stop(b)
				}
			}
		})
	}
}
