package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"
)

// Schedules live in the table pipe_schedule of the queue's database, so
// that every worker knows them: each worker gives them to its River
// client as periodic jobs, and River's elected leader alone enqueues
// them. A unique period on the inserted job keeps a change of leader
// from enqueuing an interval twice.

// ensureSchedules creates the table of periodic schedules.
func (q *Queue) ensureSchedules(ctx context.Context) error {
	_, err := q.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+q.table("pipe_schedule")+` (
	name text PRIMARY KEY,
	every_ms bigint NOT NULL,
	args text NOT NULL
)`)
	return err
}

// Schedule records a periodic run called name, replacing the schedule of
// that name if there is one. Workers pick it up within SyncInterval.
func (q *Queue) Schedule(ctx context.Context, name string, every time.Duration, args RunArgs) error {
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	_, err = q.db.ExecContext(ctx, `INSERT INTO `+q.table("pipe_schedule")+` (name, every_ms, args) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET every_ms = excluded.every_ms, args = excluded.args`, name, every.Milliseconds(), string(b))
	if err != nil {
		return fmt.Errorf("queue: schedule %q: %w", name, err)
	}
	return nil
}

// SyncInterval is how often a worker reads the schedules again.
const SyncInterval = 10 * time.Second

// syncSchedules makes the client's periodic jobs the stored schedules.
// have maps each schedule name to the periodic job id given to River,
// which changes with the schedule.
func (q *Queue) syncSchedules(ctx context.Context, have map[string]string) error {
	rows, err := q.db.QueryContext(ctx, "SELECT name, every_ms, args FROM "+q.table("pipe_schedule"))
	if err != nil {
		return fmt.Errorf("queue: schedules: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var name, raw string
		var ms int64
		if err := rows.Scan(&name, &ms, &raw); err != nil {
			return fmt.Errorf("queue: schedules: %w", err)
		}
		seen[name] = true
		sum := sha256.Sum256([]byte(name + "\x00" + strconv.FormatInt(ms, 10) + "\x00" + raw))
		id := "pipe_schedule_" + hex.EncodeToString(sum[:12])
		if have[name] == id {
			continue
		}
		var args RunArgs
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			q.log.Error("schedule ignored", "schedule", name, "error", err)
			continue
		}
		if old, ok := have[name]; ok {
			q.Client.PeriodicJobs().RemoveByID(old)
		}
		every := time.Duration(ms) * time.Millisecond
		job := river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
			return args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: every}}
		}, &river.PeriodicJobOpts{ID: id})
		if _, err := q.Client.PeriodicJobs().AddSafely(job); err != nil {
			return fmt.Errorf("queue: schedule %q: %w", name, err)
		}
		have[name] = id
		q.log.Info("schedule", "schedule", name, "every", every, "spec", args.Target.Spec)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("queue: schedules: %w", err)
	}
	for name, id := range have {
		if !seen[name] {
			q.Client.PeriodicJobs().RemoveByID(id)
			delete(have, name)
		}
	}
	return nil
}
