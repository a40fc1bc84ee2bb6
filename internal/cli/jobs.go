package cli

import (
	"context"
	"fmt"
	"time"

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
of its last attempt. A run whose replace resources were staged lists
its swap job, its state and error, once the last partition inserted it.
--all lists completed partitions too. The
schedules come first, each with when it fires next. --queue may name
pipe serve's SQLite queue.`,
		Example: `  pipe jobs --queue postgres://pipe@db/pipe
  pipe jobs --queue sqlite:///var/lib/pipe/pipe-queue.db`,
		Args: exactArgs(0),
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
	if limit <= 0 {
		return usagef("--limit %d: want a positive number", limit)
	}
	q, err := e.openAnyQueue(ctx, queue)
	if err != nil {
		return err
	}
	defer q.Close()
	now := time.Now()
	scheds, err := q.ScheduleInfos(ctx, now)
	if err != nil {
		return err
	}
	for _, s := range scheds {
		printSchedule(e, s)
	}
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

func printSchedule(e *env, s jobs.ScheduleInfo) {
	next := "next: within " + s.Every.String() + " of the leader's start"
	if !s.Next.IsZero() {
		next = "next " + s.Next.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(e.stdout, "schedule %s  %s  %s  %s\n", s.Name, s.Args.Target.Spec, s.When(), next)
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
	if s := r.Swap; s != nil {
		line := fmt.Sprintf("  swap: %s (attempt %d)", s.State, s.Attempt)
		if s.Error != "" {
			line += ": " + s.Error
		}
		fmt.Fprintln(e.stdout, line)
	}
}
