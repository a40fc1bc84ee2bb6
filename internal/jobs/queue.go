package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/lib/pq"
	"github.com/redis/go-redis/v9"
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
	listen *pgxpool.Pool // see Config.Listener
	sqlite bool
	file   string  // the SQLite queue's file
	reader *sql.DB // see Config.Reader
	log    *slog.Logger
	schema string     // River's schema, "" for the search path
	dests  dests      // open destinations between jobs
	hosts  transports // HTTP connections kept between jobs
	// budgets keeps the shared rate budgets: Redis when configured, else
	// pipe_rate in Postgres; nil for none (SQLite without Redis).
	budgets budgetStore
}

// Config configures a Queue.
type Config struct {
	// Env runs the jobs; nil for a client that only inserts and lists.
	Env *Env
	// Jobs is how many jobs the process works at once (0: 4).
	Jobs int
	// RescueAfter is how long a job may run (0: one hour): its worker
	// then cancels it, and River's rescuer gives a job whose worker died
	// to another worker once it has run that long. A job that outlives it
	// cannot commit any more (see complete).
	RescueAfter time.Duration
	// PollInterval is how often workers look for new jobs (0: 1s).
	PollInterval time.Duration
	// Schema is the Postgres schema of River's tables and pipe_schedule:
	// the destination's dataset. Empty for the search path (SQLite).
	Schema string
	// ID names this worker in River (river_job.attempted_by); empty for
	// River's default, the host name and a timestamp.
	ID string
	// RateRedis, when set, keeps the shared rate budgets in Redis instead
	// of the queue's Postgres database (see budget).
	RateRedis redis.UniversalClient
	Logger    *slog.Logger
	// File is the SQLite queue's file: a run whose Target.Dest is that
	// file completes its job in its load's transaction.
	File string
	// Reader, when set, is a pool for the reads that must not wait for
	// River's connection (SQLite: a read-only pool on File, whose
	// readers WAL never blocks); nil for the queue's own pool.
	Reader *sql.DB
	// Listener, when set, is a pgx pool on the queue's Postgres database
	// for River's LISTEN connection: a job inserted by any process (a
	// run's partitions, a scheduled run) wakes every worker at its
	// commit instead of at their next poll. River takes one connection
	// of it for as long as it works; Close closes the pool. Without it
	// River runs poll only (lib/pq cannot listen).
	Listener *pgxpool.Pool
}

// OpenPostgres opens the queue in the Postgres database db (lib/pq) and
// migrates River's tables, serialised between processes.
func OpenPostgres(ctx context.Context, db *sql.DB, c Config) (*Queue, error) {
	d := riverdatabasesql.New(db)
	if c.Listener != nil {
		// Everything but LISTEN stays on db, so that a job completes in
		// the load's transaction, a *sql.Tx of the destination.
		d = riverdatabasesql.NewWithPgxListener(db, c.Listener)
	}
	return open(ctx, d, db, false, c)
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
	q := &Queue{db: db, listen: c.Listener, sqlite: sqlite, file: c.File, reader: c.Reader, log: c.Logger, schema: c.Schema}
	if q.reader == nil {
		q.reader = db
	}
	switch {
	case c.RateRedis != nil:
		q.budgets = redisBudgets{c.RateRedis}
	case !sqlite:
		q.budgets = pgBudgets{q}
	}
	if err := q.migrate(ctx, d); err != nil {
		return nil, fmt.Errorf("queue: migrate: %w", err)
	}
	rescue := c.RescueAfter
	if rescue <= 0 {
		rescue = time.Hour
	}
	cfg := &river.Config{
		ID:     c.ID,
		Schema: c.Schema,
		Logger: c.Logger.With("component", "river"),
		// A job's own worker gives up at JobTimeout (its load rolls back),
		// and River's rescuer gives a job whose worker died to another
		// worker after RescueStuckJobsAfter: the same limit.
		JobTimeout:           rescue,
		RescueStuckJobsAfter: rescue,
		FetchPollInterval:    c.PollInterval,
		RetryPolicy:          retryPolicy{},
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
		q.dests.max = n
		cfg.Workers = river.NewWorkers()
		river.AddWorker(cfg.Workers, &runWorker{q: q, env: c.Env})
		river.AddWorker(cfg.Workers, &partitionWorker{q: q, env: c.Env})
		river.AddWorker(cfg.Workers, &swapWorker{q: q, env: c.Env})
	}
	client, err := river.NewClient(d, cfg)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	q.Client = client
	return q, nil
}

// migrate creates the queue's schema and brings River's tables up to
// date, each migration in a transaction of its own (some cannot share
// one). On Postgres a session advisory lock serialises workers starting
// together: two CREATE SCHEMA IF NOT EXISTS at once can fail on the
// catalog's unique index, which killed a worker of two started at once.
func (q *Queue) migrate(ctx context.Context, d riverdriver.Driver[*sql.Tx]) error {
	m, err := rivermigrate.New(d, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler), Schema: q.schema})
	if err != nil {
		return err
	}
	if !q.sqlite {
		conn, err := q.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		const key = "SELECT %s(hashtext('pipe river migrate'))"
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(key, "pg_advisory_lock")); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(key, "pg_advisory_unlock"))
		if q.schema != "" {
			if _, err := conn.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+pq.QuoteIdentifier(q.schema)); err != nil {
				return fmt.Errorf("schema %q: %w", q.schema, err)
			}
		}
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return err
	}
	if len(res.Versions) > 0 {
		q.log.Info("queue: migrated River's tables", "versions", len(res.Versions))
	}
	if err := q.ensureBudgets(ctx); err != nil {
		return err
	}
	if err := q.ensureRunDone(ctx); err != nil {
		return err
	}
	return q.ensureSchedules(ctx)
}

// Close closes the queue's database, the destinations kept open
// between jobs and the idle connections to the APIs.
func (q *Queue) Close() error {
	q.dests.close()
	q.hosts.close()
	if q.reader != q.db {
		q.reader.Close()
	}
	if q.listen != nil {
		q.listen.Close()
	}
	return q.db.Close()
}

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

// table returns the name of a table of the queue's schema, qualified
// when the schema is set.
func (q *Queue) table(name string) string {
	if q.schema == "" {
		return name
	}
	return pq.QuoteIdentifier(q.schema) + "." + name
}
