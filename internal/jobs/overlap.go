package jobs

import (
	"context"
	"time"
)

// overlapTimeout bounds the look at a schedule's previous run: River's
// periodic job constructors must not block.
const overlapTimeout = time.Second

// previousRunPending reports whether a run of the schedule name is still
// queued, running or waiting to be retried: its next fire is then
// skipped, so that a run slower than its interval does not pile runs up
// (one SQLite writer would work them one after another, ever later). A
// failed look lets the fire go ahead.
func (q *Queue) previousRunPending(name string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), overlapTimeout)
	defer cancel()
	schedule := "args->>'schedule'"
	if q.sqlite {
		schedule = "json_extract(args, '$.schedule')"
	}
	var n int
	err := q.reader.QueryRowContext(ctx, `SELECT count(*) FROM `+q.table("river_job")+` WHERE kind = $1
AND state IN ('available', 'pending', 'running', 'retryable', 'scheduled') AND `+schedule+` = $2`, RunArgs{}.Kind(), name).Scan(&n)
	if err != nil {
		q.log.Warn("schedule: cannot tell whether its previous run is over; it fires anyway", "schedule", name, "error", err)
		return false
	}
	if n > 0 {
		q.log.Warn("schedule: its previous run is still queued or running; this fire is skipped", "schedule", name)
	}
	return n > 0
}
