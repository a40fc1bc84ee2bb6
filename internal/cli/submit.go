package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/internal/jobs"
)

// submitFlags are submit's own flags.
type submitFlags struct {
	dest  string
	batch int
	every time.Duration
	cron  string
	name  string
}

func (e *env) submitCommand() *cobra.Command {
	var queue string
	var pf planFlags
	var f submitFlags
	cmd := &cobra.Command{
		Use:   "submit SPEC",
		Short: "Enqueue a run of SPEC for pipe worker, once or on a schedule",
		Long: `Submit enqueues a run of SPEC on the River queue in Postgres, for any pipe
worker to work. The run is partitioned: its first root resource with
children is requested once, and each batch of its records (--batch) is
loaded with everything below it by a job of its own, in one transaction
with the job's completion. The data go into the queue's database.

With --every or --cron the run is periodic: the schedule is stored in
the queue's database, and River's elected leader among the workers
enqueues it once per interval, or once per match of the cron expression
(crontab's five fields, an optional leading seconds field, descriptors
such as @daily; the workers' local time unless it starts with
CRON_TZ=Zone), however many workers run.`,
		Example: `  pipe submit snyk --queue postgres://pipe@db/pipe --var region=api.eu.snyk.io
  pipe submit snyk --queue postgres://pipe@db/pipe --every 1h --batch 5
  pipe submit snyk --queue postgres://pipe@db/pipe --cron "30 2 * * *" --name nightly`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.submit(cmd.Context(), args[0], queue, pf, f)
		},
	}
	addQueueFlag(cmd, &queue)
	addPlanFlags(cmd, &pf)
	cmd.Flags().StringVar(&f.dest, "dest", "", "the destination; must be the queue's database (the default)")
	cmd.Flags().IntVar(&f.batch, "batch", jobs.DefaultBatch, "parent records (or list items) per partition")
	cmd.Flags().DurationVar(&f.every, "every", 0, "run periodically at this interval (e.g. 1h)")
	cmd.Flags().StringVar(&f.cron, "cron", "", `run periodically at each match of this cron expression (e.g. "0 * * * *")`)
	cmd.Flags().StringVar(&f.name, "name", "", "the schedule's name, for --every or --cron (default: the spec's name); submitting a name again replaces its schedule")
	return cmd
}

func (e *env) submit(ctx context.Context, arg, queue string, pf planFlags, f submitFlags) error {
	dsn, err := e.queueDSN(queue)
	if err != nil {
		return err
	}
	if f.dest != "" && !sameDatabase(f.dest, dsn) {
		return usagef("--dest %s: a partitioned run needs the destination in the queue's database (%s), so that a partition's rows and its job's completion commit in one transaction; use pipe run for another destination", redactDSN(f.dest), redactDSN(dsn))
	}
	if f.batch <= 0 {
		return usagef("--batch %d: want a positive number", f.batch)
	}
	if f.every < 0 || f.every > 0 && f.every < time.Second {
		return usagef("--every %s: want at least 1s", f.every)
	}
	if f.every > 0 && f.cron != "" {
		return usagef("--every and --cron: give one of the two")
	}
	if f.cron != "" {
		if _, err := jobs.ParseCron(f.cron); err != nil {
			return usagef("--cron: %w", err)
		}
	}
	file, data, err := readSpec(arg)
	if err != nil {
		return err
	}
	t := jobs.Target{Spec: file, YAML: string(data), Vars: pf.vars, BaseURL: pf.baseURL, Resources: pf.resources, Batch: f.batch}
	p, err := e.jobsEnv(dsn, 0).Plan(t)
	if err != nil {
		return err
	}
	q, err := e.openQueue(ctx, dsn, jobs.Config{Logger: e.logger()})
	if err != nil {
		return err
	}
	defer q.Close()
	if f.every > 0 || f.cron != "" {
		name := f.name
		if name == "" {
			name = p.Name
		}
		s := jobs.Schedule{Name: name, Every: f.every, Cron: f.cron, Args: jobs.RunArgs{Target: t, Schedule: name}}
		if err := q.Schedule(ctx, s); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "schedule %q: a run of %s %s\n", name, p.Name, s.When())
		return nil
	}
	id, err := q.Submit(ctx, jobs.RunArgs{Target: t})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "run %d: %s submitted\n", id, p.Name)
	return nil
}

// sameDatabase reports whether two Postgres URLs name the same database
// and dataset (schema= parameter) on the same server.
func sameDatabase(a, b string) bool {
	ca, erra := pq.NewConfig(a)
	cb, errb := pq.NewConfig(b)
	if erra != nil || errb != nil {
		return false
	}
	return ca.Host == cb.Host && ca.Port == cb.Port && ca.Database == cb.Database && ca.Runtime["schema"] == cb.Runtime["schema"]
}
