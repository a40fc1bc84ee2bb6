package jobs_test

import (
	"fmt"
	"testing"

	"github.com/pipe-etl/pipe/internal/pgtest"
)

// TestWorkersStartedTogetherAllWork: six workers started at once on a
// queue whose schema does not exist yet all start (two CREATE SCHEMA IF
// NOT EXISTS at once fail on Postgres' catalog, and a worker that lost
// that race used to exit, so the others did its share) and stop cleanly
// on SIGTERM.
func TestWorkersStartedTogetherAllWork(t *testing.T) {
	bin := pipeBinary(t)
	dsn, _ := pgtest.DSN(t)
	env := []string{"PIPE_QUEUE=" + dsn}
	var workers []*proc
	for i := range 6 {
		workers = append(workers, start(t, fmt.Sprintf("w%d", i), bin, env, "worker", "--jobs", "1"))
	}
	for _, w := range workers {
		w.waitStarted(t)
	}
	for _, w := range workers {
		w.stop(t)
		if code := w.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("%s exited %d on SIGTERM; want 0:\n%s", w.name, code, w.out)
		}
	}
}
