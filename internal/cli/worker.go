package cli

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/lib/pq"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/postgres"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/internal/jobs"
)

// workerFlags tune how a worker process works jobs.
type workerFlags struct {
	jobs        int
	concurrency int
	rescue      time.Duration
	poll        time.Duration
	id          string
	rateRedis   string
}

func (e *env) workerCommand() *cobra.Command {
	var queue string
	var f workerFlags
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Work the runs and partitions of the River queue in Postgres",
		Long: `Worker runs River workers on the queue in a Postgres database and loads
into that same database. Start any number, on any number of machines:
they share the runs that pipe submit enqueues and the schedules it
records. It stops on SIGINT or SIGTERM, letting running jobs finish.`,
		Example: `  pipe worker --queue postgres://pipe@db/pipe --jobs 8`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := interruptible(cmd.Context())
			defer stop()
			return e.work(ctx, queue, f)
		},
	}
	addQueueFlag(cmd, &queue)
	cmd.Flags().IntVar(&f.jobs, "jobs", 4, "jobs (partitions) this process works at once")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 0, "requests in flight per job (default: the spec's client.concurrency, else 8)")
	cmd.Flags().DurationVar(&f.rescue, "rescue-after", time.Hour, "a job may run this long: then it is cancelled, or, if its worker died, given to another worker")
	cmd.Flags().StringVar(&f.id, "id", "", "this worker's name in River's job history (default: host name and start time)")
	cmd.Flags().DurationVar(&f.poll, "poll", time.Second, "how often to look for new jobs besides the notifications of their inserts (a fallback)")
	cmd.Flags().StringVar(&f.rateRedis, "rate-redis", "", "keep the shared rate budgets in this Redis, redis://... (default $PIPE_RATE_REDIS; without: in the queue's database)")
	return cmd
}

func addQueueFlag(cmd *cobra.Command, queue *string) {
	cmd.Flags().StringVar(queue, "queue", "", "the queue's Postgres database, postgres://... (default $PIPE_QUEUE); runs load into it")
}

// queueDSN returns --queue, else PIPE_QUEUE, refusing anything but Postgres.
func (e *env) queueDSN(flag string) (string, error) {
	if flag == "" {
		flag, _ = e.getenv("PIPE_QUEUE")
	}
	if flag == "" {
		return "", usagef("--queue: missing (a postgres:// URL, or set PIPE_QUEUE)")
	}
	if !strings.HasPrefix(flag, "postgres://") && !strings.HasPrefix(flag, "postgresql://") {
		return "", usagef("--queue %q: want a postgres:// URL (the queue and the destination share one Postgres database; pipe serve runs an embedded queue)", redactDSN(flag))
	}
	return flag, nil
}

// openQueue opens the River queue in the Postgres database dsn. A queue
// that works jobs (c.Env set) gets a pgx pool for River's LISTEN
// connection, so that inserted jobs wake it at once.
func (e *env) openQueue(ctx context.Context, dsn string, c jobs.Config) (*jobs.Queue, error) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		// pq's errors may quote the DSN, password included.
		return nil, usagef("--queue %s: invalid connection string", redactDSN(dsn))
	}
	// The queue lives in the destination's dataset, the schema= parameter,
	// which is not a server setting; the queue creates it.
	c.Schema = cfg.Runtime["schema"]
	delete(cfg.Runtime, "schema")
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, usagef("--queue %s: invalid connection string", redactDSN(dsn))
	}
	if c.Env != nil {
		if c.Listener, err = listenerPool(dsn); err != nil {
			return nil, err
		}
	}
	db := sql.OpenDB(conn)
	q, err := jobs.OpenPostgres(ctx, db, c)
	if err != nil {
		db.Close()
		if c.Listener != nil {
			c.Listener.Close()
		}
		return nil, err
	}
	return q, nil
}

// listenerPool is a pgx pool on dsn for River's one LISTEN connection; it
// connects when River starts listening.
func listenerPool(dsn string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's errors may quote the DSN, password included.
		return nil, usagef("--queue %s: invalid connection string", redactDSN(dsn))
	}
	delete(cfg.ConnConfig.RuntimeParams, "schema") // River names the schema itself
	cfg.MinConns, cfg.MaxConns = 0, 1
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("queue: listener: %s", redactDSN(dsn))
	}
	return p, nil
}

func (e *env) work(ctx context.Context, queue string, f workerFlags) error {
	dsn, err := e.queueDSN(queue)
	if err != nil {
		return err
	}
	if f.concurrency < 0 || f.jobs <= 0 {
		return usagef("--jobs and --concurrency: want positive numbers")
	}
	log := e.logger()
	rdb, err := e.rateRedis(ctx, f.rateRedis)
	if err != nil {
		return err
	}
	if rdb != nil {
		defer rdb.Close()
	}
	q, err := e.openQueue(ctx, dsn, jobs.Config{
		Env:          e.jobsEnv(dsn, f.concurrency),
		Jobs:         f.jobs,
		RescueAfter:  f.rescue,
		PollInterval: f.poll,
		ID:           f.id,
		Logger:       log,
		RateRedis:    rdb,
	})
	if err != nil {
		return err
	}
	defer q.Close()
	return q.Work(ctx)
}

// jobsEnv is what workers need from the command line's composition:
// plans built as pipe run builds them, secrets and auth from this
// process's environment, destinations in the queue's database.
func (e *env) jobsEnv(dsn string, concurrency int) *jobs.Env {
	return &jobs.Env{
		Logger: e.logger(),
		Plan: func(t jobs.Target) (*plan.Plan, error) {
			s, err := spec.Load(t.Spec, []byte(t.YAML))
			if err != nil {
				return nil, err
			}
			p, err := e.buildPlanFrom(s, planFlags{vars: t.Vars, baseURL: t.BaseURL, resources: t.Resources})
			if err != nil {
				return nil, err
			}
			if concurrency > 0 {
				p.Concurrency = concurrency
			}
			return p, nil
		},
		Options: func(ctx context.Context, p *plan.Plan, dest destinations.Destination) (engine.Options, error) {
			store, err := e.secretStore()
			if err != nil {
				return engine.Options{}, err
			}
			return engine.Options{
				Secrets:     store,
				Logger:      e.logger().With("spec", p.Name),
				MaxIdentLen: maxIdentLen(dest),
				Auth:        e.authKinds(dest),
			}, nil
		},
		Dest: func(ctx context.Context, _ jobs.Target, _ string) (destinations.Destination, error) {
			d, err := postgres.Open(ctx, dsn, postgres.WithLogger(e.logger()))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", redactDSN(dsn), err)
			}
			return d, nil
		},
	}
}

// rateRedis connects to the Redis of --rate-redis, else PIPE_RATE_REDIS;
// nil (an interface without a value) when neither is set.
func (e *env) rateRedis(ctx context.Context, flag string) (redis.UniversalClient, error) {
	if flag == "" {
		flag, _ = e.getenv("PIPE_RATE_REDIS")
	}
	if flag == "" {
		return nil, nil
	}
	opts, err := redis.ParseURL(flag)
	if err != nil {
		// go-redis' errors may quote the URL, password included.
		return nil, usagef("--rate-redis %s: invalid URL (want redis://[user:password@]host:port[/db] or rediss://...)", redactDSN(flag))
	}
	c := redis.NewClient(opts)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("--rate-redis %s: %w", redactDSN(flag), err)
	}
	return c, nil
}
