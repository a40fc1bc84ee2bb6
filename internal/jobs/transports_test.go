package jobs_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

// TestWorkerReusesConnectionsAcrossPartitions: a worker that loads a
// run's partitions one after another, one request at a time, sends
// every request of the run on the one connection its first job opened
// (the fake counts the connections it accepts).
func TestWorkerReusesConnectionsAcrossPartitions(t *testing.T) {
	bin := pipeBinary(t)
	dsn, _ := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	fake := fakeapi.New(fakeapi.Config{Orgs: 4, ProjectsPerOrg: 2, IssuesPerOrg: 1, Seed: 5, Token: "reuse-token"})
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(fake.Handler())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	env := []string{"SNYK_TOKEN=reuse-token", "PIPE_QUEUE=" + dsn}
	w := start(t, "worker", bin, env, "worker", "--jobs", "1", "--concurrency", "1")
	submit := exec.Command(bin, "submit", "snyk", "--var", "api_url="+srv.URL, "--resources", "orgs,projects", "--batch", "1")
	submit.Env = append(submit.Environ(), env...)
	if out, err := submit.CombinedOutput(); err != nil {
		t.Fatalf("pipe submit: %v\n%s", err, out)
	}
	waitFor(t, 2*time.Minute, "the run's four partitions", func() (bool, error) {
		n, err := count(db, `SELECT count(*) FROM river_job WHERE state = 'completed'`)
		return n == 4, err
	})
	w.stop(t)
	if n, err := count(db, `SELECT count(*) FROM projects`); err != nil || n != 8 {
		t.Fatalf("projects: %d (%v); want 8", n, err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("the fake accepted %d connections for four partitions loaded one by one; want 1, reused", n)
	}
}
