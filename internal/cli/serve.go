package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/internal/jobs"
)

// serveFlags are serve's flags.
type serveFlags struct {
	schedule    string
	queue       string
	jobs        int
	concurrency int
	grace       time.Duration
	poll        time.Duration
	reload      time.Duration
}

func (e *env) serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve --schedule FILE",
		Short: "Run the schedules of FILE on one machine, on an embedded SQLite queue",
		Long: `Serve runs the runs of a schedule file on this machine, with no Postgres:
River's SQLite driver keeps the queue in a SQLite file, and each run
loads into a SQLite destination in one transaction. FILE is a YAML list:

  - spec: snyk                  # a spec file (relative to FILE) or a shipped spec
    every: 1h                   # or cron: "0 * * * *" (crontab fields, an optional
                                # leading seconds field, CRON_TZ=Zone; local time)
    vars: {region: api.eu.snyk.io}
    resources: [orgs, issues]
    dest: snyk.db               # default <spec name>.db beside FILE
    name: snyk-eu               # default the spec's name; one per entry

FILE is read again when it or a spec file it names changes, and on SIGHUP;
a malformed FILE at start is an error (exit 2), a malformed FILE later is
logged and the schedules in force stay. The queue is pipe-queue.db beside
FILE unless --queue names another SQLite file: give it the destination's
file, and a run's rows and its job's completion commit in one transaction.
SIGINT or SIGTERM stops serve: running loads get --grace to finish, then
roll back and run again at the next start.`,
		Example: `  pipe serve --schedule schedules.yml
  pipe serve --schedule schedules.yml --queue sqlite:///var/lib/pipe/snyk.db`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := interruptible(cmd.Context())
			defer stop()
			return e.serveSchedules(ctx, f)
		},
	}
	cmd.Flags().StringVar(&f.schedule, "schedule", "", "the schedule file (YAML; see above)")
	cmd.Flags().StringVar(&f.queue, "queue", "", "the queue's SQLite file, sqlite:///path or a path (default pipe-queue.db beside the schedule file)")
	cmd.Flags().IntVar(&f.jobs, "jobs", 1, "runs loaded at once (SQLite has one writer per file)")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 0, "requests in flight per run (default: the spec's client.concurrency, else 8)")
	cmd.Flags().DurationVar(&f.grace, "grace", 30*time.Second, "on SIGINT or SIGTERM, how long running loads may go on before they are rolled back")
	cmd.Flags().DurationVar(&f.poll, "poll", time.Second, "how often to look for due runs")
	cmd.Flags().DurationVar(&f.reload, "reload-poll", 2*time.Second, "how often to look for changes of the schedule file and its spec files")
	return cmd
}

func (e *env) serveSchedules(ctx context.Context, f serveFlags) error {
	if f.schedule == "" {
		return usagef("--schedule: missing (a YAML file of schedules)")
	}
	if f.jobs <= 0 || f.concurrency < 0 || f.grace < 0 || f.poll <= 0 || f.reload <= 0 {
		return usagef("--jobs, --concurrency, --grace, --poll and --reload-poll: want positive values")
	}
	src := &scheduleSource{e: e, file: f.schedule}
	defer src.watch()()
	if _, err := src.read(); err != nil {
		return err
	}
	queue, err := serveQueuePath(f.queue, f.schedule)
	if err != nil {
		return err
	}
	unlock, err := jobs.LockServe(queue)
	if err != nil {
		if errors.Is(err, jobs.ErrServing) {
			return usageError{err}
		}
		return err
	}
	defer unlock()
	log := e.logger()
	env := e.jobsEnv("", f.concurrency)
	env.Dest = func(ctx context.Context, t jobs.Target, _ string) (destinations.Destination, error) {
		return sqlite.Open(ctx, t.Dest, sqlite.WithLogger(log))
	}
	q, err := openSQLiteQueue(ctx, queue, jobs.Config{Env: env, Jobs: f.jobs, PollInterval: f.poll, File: queue, Logger: log})
	if err != nil {
		return err
	}
	defer q.Close()
	log.Info("serving", "schedule", f.schedule, "queue", queue)
	return q.Serve(ctx, jobs.ServeConfig{
		Read:  func(context.Context) ([]jobs.Schedule, error) { return src.read() },
		Wait:  func(ctx context.Context) error { return src.wait(ctx, f.reload) },
		Grace: f.grace,
	})
}

// serveQueuePath returns the queue's file: --queue, else pipe-queue.db
// beside the schedule file.
func serveQueuePath(flag, schedule string) (string, error) {
	if flag == "" {
		return filepath.Join(filepath.Dir(schedule), "pipe-queue.db"), nil
	}
	path, ok := sqlitePath(flag)
	if !ok {
		return "", usagef("--queue %q: want a SQLite file (sqlite:///path or a path); pipe serve has no Postgres queue (use pipe worker)", redactDSN(flag))
	}
	return path, nil
}

// sqlitePath returns the file of a SQLite URL or path; false for any
// other scheme.
func sqlitePath(raw string) (string, bool) {
	switch {
	case strings.HasPrefix(raw, "sqlite://"):
		return strings.TrimPrefix(raw, "sqlite://"), true
	case strings.HasPrefix(raw, "sqlite:"):
		return strings.TrimPrefix(raw, "sqlite:"), true
	case strings.Contains(raw, "://"):
		return "", false
	}
	return raw, raw != ""
}

// openSQLiteQueue opens the embedded queue in the SQLite file path,
// creating it if missing. River's connections are limited to one, as
// its SQLite driver advises (SQLite has one writer); a read-only pool
// looks at previous runs while River's connection waits for a load.
func openSQLiteQueue(ctx context.Context, path string, c jobs.Config) (*jobs.Queue, error) {
	d, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	db := d.DB().DB
	db.SetMaxOpenConns(1)
	r, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("queue: %w", err)
	}
	c.Reader = r.DB
	q, err := jobs.OpenSQLite(ctx, db, c)
	if err != nil {
		r.Close()
		d.Close()
		return nil, err
	}
	return q, nil
}

// openAnyQueue opens the queue named by flag or PIPE_QUEUE: pipe serve's
// SQLite file, or a Postgres database.
func (e *env) openAnyQueue(ctx context.Context, flag string) (*jobs.Queue, error) {
	raw := flag
	if raw == "" {
		raw, _ = e.getenv("PIPE_QUEUE")
	}
	if strings.HasPrefix(raw, "sqlite:") {
		path, _ := sqlitePath(raw)
		if !fileExists(path) {
			return nil, usagef("--queue %s: no such file", raw)
		}
		return openSQLiteQueue(ctx, path, jobs.Config{Logger: e.logger(), File: path})
	}
	dsn, err := e.queueDSN(flag)
	if err != nil {
		return nil, err
	}
	return e.openQueue(ctx, dsn, jobs.Config{Logger: e.logger()})
}
