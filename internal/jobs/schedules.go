package jobs

import (
	"context"
	"crypto/sha256"
	"database/sql"
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
// from enqueuing an interval (or a cron match) twice.

// Schedule is a periodic run: every Every, or at each match of the cron
// expression Cron (one of the two).
type Schedule struct {
	Name  string
	Every time.Duration
	Cron  string
	Args  RunArgs
}

// ensureSchedules creates the table of periodic schedules, and adds the
// cron column to a table made before it existed.
func (q *Queue) ensureSchedules(ctx context.Context) error {
	_, err := q.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+q.table("pipe_schedule")+` (
	name text PRIMARY KEY,
	every_ms bigint NOT NULL,
	args text NOT NULL,
	cron text NOT NULL DEFAULT ''
)`)
	if err != nil || q.sqlite {
		return err
	}
	_, err = q.db.ExecContext(ctx, `ALTER TABLE `+q.table("pipe_schedule")+` ADD COLUMN IF NOT EXISTS cron text NOT NULL DEFAULT ''`)
	return err
}

// Schedule records the periodic run s, replacing the schedule of its
// name if there is one. Workers pick it up within SyncInterval.
func (q *Queue) Schedule(ctx context.Context, s Schedule) error {
	if err := putSchedule(ctx, q.db, q.table("pipe_schedule"), s); err != nil {
		return fmt.Errorf("queue: schedule %q: %w", s.Name, err)
	}
	return nil
}

// ReplaceSchedules makes ss the queue's only schedules, in one
// transaction (pipe serve: the schedule file is the whole truth).
func (q *Queue) ReplaceSchedules(ctx context.Context, ss []Schedule) error {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("queue: schedules: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+q.table("pipe_schedule")); err != nil {
		return fmt.Errorf("queue: schedules: %w", err)
	}
	for _, s := range ss {
		if err := putSchedule(ctx, tx, q.table("pipe_schedule"), s); err != nil {
			return fmt.Errorf("queue: schedule %q: %w", s.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("queue: schedules: %w", err)
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func putSchedule(ctx context.Context, db execer, table string, s Schedule) error {
	if _, _, err := s.periodic(); err != nil {
		return err
	}
	b, err := json.Marshal(s.Args)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO `+table+` (name, every_ms, args, cron) VALUES ($1, $2, $3, $4)
ON CONFLICT (name) DO UPDATE SET every_ms = excluded.every_ms, args = excluded.args, cron = excluded.cron`, s.Name, s.Every.Milliseconds(), string(b), s.Cron)
	return err
}

// Schedules returns the stored schedules, by name.
func (q *Queue) Schedules(ctx context.Context) ([]Schedule, error) {
	rows, err := q.db.QueryContext(ctx, "SELECT name, every_ms, args, cron FROM "+q.table("pipe_schedule")+" ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("queue: schedules: %w", err)
	}
	defer rows.Close()
	var out []Schedule
	for rows.Next() {
		var s Schedule
		var raw string
		var ms int64
		if err := rows.Scan(&s.Name, &ms, &raw, &s.Cron); err != nil {
			return nil, fmt.Errorf("queue: schedules: %w", err)
		}
		s.Every = time.Duration(ms) * time.Millisecond
		if err := json.Unmarshal([]byte(raw), &s.Args); err != nil {
			return nil, fmt.Errorf("queue: schedule %q: %w", s.Name, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue: schedules: %w", err)
	}
	return out, nil
}

// SyncInterval is how often a worker reads the schedules again.
const SyncInterval = 10 * time.Second

// syncSchedules makes the client's periodic jobs the stored schedules.
// have maps each schedule name to the periodic job id given to River,
// which changes with the schedule.
func (q *Queue) syncSchedules(ctx context.Context, have map[string]string) error {
	rows, err := q.db.QueryContext(ctx, "SELECT name, every_ms, args, cron FROM "+q.table("pipe_schedule"))
	if err != nil {
		return fmt.Errorf("queue: schedules: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var s Schedule
		var raw string
		var ms int64
		if err := rows.Scan(&s.Name, &ms, &raw, &s.Cron); err != nil {
			return fmt.Errorf("queue: schedules: %w", err)
		}
		seen[s.Name] = true
		sum := sha256.Sum256([]byte(s.Name + "\x00" + strconv.FormatInt(ms, 10) + "\x00" + s.Cron + "\x00" + raw))
		id := "pipe_schedule_" + hex.EncodeToString(sum[:12])
		if have[s.Name] == id {
			continue
		}
		s.Every = time.Duration(ms) * time.Millisecond
		if err := json.Unmarshal([]byte(raw), &s.Args); err != nil {
			q.log.Error("schedule ignored", "schedule", s.Name, "error", err)
			continue
		}
		sched, unique, err := s.periodic()
		if err != nil {
			q.log.Error("schedule ignored", "schedule", s.Name, "error", err)
			continue
		}
		if old, ok := have[s.Name]; ok {
			q.Client.PeriodicJobs().RemoveByID(old)
			delete(have, s.Name)
		}
		args, name := s.Args, s.Name
		job := river.NewPeriodicJob(sched, func() (river.JobArgs, *river.InsertOpts) {
			if q.previousRunPending(name) {
				return nil, nil // River skips this fire
			}
			return args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: unique}}
		}, &river.PeriodicJobOpts{ID: id})
		if _, err := q.Client.PeriodicJobs().AddSafely(job); err != nil {
			return fmt.Errorf("queue: schedule %q: %w", s.Name, err)
		}
		have[s.Name] = id
		q.log.Info("schedule", "schedule", s.Name, "when", s.When(), "spec", args.Target.Spec)
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
