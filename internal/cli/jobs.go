package cli

import (
	"context"
	"fmt"

	"github.com/riverqueue/river/rivertype"
	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/internal/jobs"
)

func (e *env) jobsCommand() *cobra.Command {
	var queue string
	var limit int
	var all bool
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "List the runs of the River queue and the state of their partitions",
		Long: `Jobs lists the latest runs that pipe submit enqueued (or schedules
started), newest first: each run's state and how many of its partitions
completed, then every partition that has not completed, with the error
of its last attempt. --all lists completed partitions too.`,
		Example: `  pipe jobs --queue postgres://pipe@db/pipe`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.listJobs(cmd.Context(), queue, limit, all)
		},
	}
	addQueueFlag(cmd, &queue)
	cmd.Flags().IntVar(&limit, "limit", 20, "list at most this many runs")
	cmd.Flags().BoolVar(&all, "all", false, "list completed partitions too")
	return cmd
}

func (e *env) listJobs(ctx context.Context, queue string, limit int, all bool) error {
	dsn, err := e.queueDSN(queue)
	if err != nil {
		return err
	}
	if limit <= 0 {
		return usagef("--limit %d: want a positive number", limit)
	}
	q, err := e.openQueue(ctx, dsn, jobs.Config{Logger: e.logger()})
	if err != nil {
		return err
	}
	defer q.Close()
	runs, err := q.Runs(ctx, limit)
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		fmt.Fprintln(e.stdout, "no runs")
		return nil
	}
	for _, r := range runs {
		printRun(e, r, all)
	}
	return nil
}

func printRun(e *env, r jobs.Run, all bool) {
	what := r.Spec
	if r.Schedule != "" {
		what += " (schedule " + r.Schedule + ")"
	}
	done := 0
	if r.State == rivertype.JobStateCompleted {
		done = 1
	}
	for _, p := range r.Partitions {
		if p.State == rivertype.JobStateCompleted {
			done++
		}
	}
	parts := "partitions ?"
	if r.Total > 0 {
		parts = fmt.Sprintf("partitions %d/%d completed", done, r.Total)
	}
	fmt.Fprintf(e.stdout, "run %d  %s  %s  %s  %s\n", r.ID, r.Created.UTC().Format("2006-01-02T15:04:05Z"), what, r.State, parts)
	if r.Error != "" {
		fmt.Fprintf(e.stdout, "  partition 1: %s (attempt %d): %s\n", r.State, r.Attempt, r.Error)
	}
	for _, p := range r.Partitions {
		if p.State == rivertype.JobStateCompleted && !all {
			continue
		}
		line := fmt.Sprintf("  partition %d: %s (attempt %d)", p.Index, p.State, p.Attempt)
		if p.Error != "" {
			line += ": " + p.Error
		}
		fmt.Fprintln(e.stdout, line)
	}
}
