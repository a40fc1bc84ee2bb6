package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// Queue is a River client on the queue's database.
type Queue struct {
	Client *river.Client[*sql.Tx]
	db     *sql.DB
	sqlite bool
	log    *slog.Logger
}

// Config configures a Queue.
type Config struct {
	// Env runs the jobs; nil for a client that only inserts and lists.
	Env *Env
	// Jobs is how many jobs the process works at once (0: 4).
	Jobs int
	// RescueAfter is how long a job may run before River considers its
	// worker dead and works it again elsewhere (0: one hour). A job that
	// outlives it cannot commit any more (see complete).
	RescueAfter time.Duration
	// PollInterval is how often workers look for new jobs (0: 1s).
	PollInterval time.Duration
	Logger       *slog.Logger
}

// OpenPostgres opens the queue in the Postgres database db (lib/pq) and
// migrates River's tables, serialised between processes.
func OpenPostgres(ctx context.Context, db *sql.DB, c Config) (*Queue, error) {
	return open(ctx, riverdatabasesql.New(db), db, false, c)
}

// OpenSQLite opens the embedded queue in the SQLite database db and
// migrates River's tables.
func OpenSQLite(ctx context.Context, db *sql.DB, c Config) (*Queue, error) {
	return open(ctx, riversqlite.New(db), db, true, c)
}

func open(ctx context.Context, d riverdriver.Driver[*sql.Tx], db *sql.DB, sqlite bool, c Config) (*Queue, error) {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if err := migrate(ctx, d, db, sqlite, c.Logger); err != nil {
		return nil, fmt.Errorf("queue: migrate: %w", err)
	}
	q := &Queue{db: db, sqlite: sqlite, log: c.Logger}
	cfg := &river.Config{
		Logger:               c.Logger.With("component", "river"),
		JobTimeout:           -1, // a partition takes what it takes; RescueAfter decides when its worker is dead
		RescueStuckJobsAfter: c.RescueAfter,
		FetchPollInterval:    c.PollInterval,
	}
	if cfg.RescueStuckJobsAfter <= 0 {
		cfg.RescueStuckJobsAfter = time.Hour
	}
	if cfg.FetchPollInterval <= 0 {
		cfg.FetchPollInterval = time.Second
	}
	cfg.FetchCooldown = min(cfg.FetchPollInterval, 100*time.Millisecond)
	if c.Env != nil {
		n := c.Jobs
		if n <= 0 {
			n = 4
		}
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}}
		cfg.Workers = river.NewWorkers()
		river.AddWorker(cfg.Workers, &runWorker{q: q, env: c.Env})
		river.AddWorker(cfg.Workers, &partitionWorker{q: q, env: c.Env})
	}
	client, err := river.NewClient(d, cfg)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	q.Client = client
	return q, nil
}

// migrate brings River's tables up to date. On Postgres a transaction
// advisory lock serialises workers starting together.
func migrate(ctx context.Context, d riverdriver.Driver[*sql.Tx], db *sql.DB, sqlite bool, log *slog.Logger) error {
	m, err := rivermigrate.New(d, &rivermigrate.Config{Logger: log})
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if !sqlite {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('pipe river migrate'))"); err != nil {
			return err
		}
	}
	if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
		return err
	}
	if err := ensureSchedules(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes the queue's database.
func (q *Queue) Close() error { return q.db.Close() }

// Work starts the queue's workers and works jobs until ctx ends, then
// stops fetching and waits for the running jobs to finish. It reads the
// stored schedules every SyncInterval.
func (q *Queue) Work(ctx context.Context) error {
	have := map[string]string{}
	if err := q.syncSchedules(ctx, have); err != nil {
		return err
	}
	// River stops hard when the context given to Start ends; a signal
	// should stop it gently instead.
	if err := q.Client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("queue: start: %w", err)
	}
	tick := time.NewTicker(SyncInterval)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
			if err := q.syncSchedules(ctx, have); err != nil {
				q.log.Error("reading schedules", "error", err)
			}
		}
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	return q.Client.Stop(stopCtx)
}
