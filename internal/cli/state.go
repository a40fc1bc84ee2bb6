package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/internal/dbview"
)

func (e *env) stateCommand() *cobra.Command {
	var f viewFlags
	var resource string
	cmd := &cobra.Command{
		Use:   "state SPEC",
		Short: "Print the incremental cursors of SPEC, per resource and per parent record",
		Long: `State prints the committed incremental cursors of SPEC's pipeline in its
destination (as run picks it: --dest, $PIPE_DEST, ./<name>.db): one per root
resource, one per parent record for child resources.`,
		Example: `  pipe state snyk
  pipe state snyk --resource issues --json
  pipe state reset snyk --resource issues --parent 'org-1'`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := e.openView(cmd.Context(), cmd, args, f)
			if err != nil {
				return err
			}
			defer v.Close()
			pipeline := v.pipeline()
			cursors, err := v.State(cmd.Context(), pipeline, resource)
			if err != nil {
				return err
			}
			if f.jsonOut {
				if cursors == nil {
					cursors = []dbview.Cursor{}
				}
				return e.writeJSON(cursors)
			}
			if len(cursors) == 0 {
				fmt.Fprintf(e.stdout, "no state for %s\n", pipeline)
				return nil
			}
			wr, wp := len("resource"), len("parent")
			for _, c := range cursors {
				wr, wp = max(wr, len(c.Resource)), max(wp, len(parentText(c.ParentKey)))
			}
			fmt.Fprintf(e.stdout, "%-*s  %-*s  %-20s  %s\n", wr, "resource", wp, "parent", "updated (UTC)", "cursor")
			for _, c := range cursors {
				fmt.Fprintf(e.stdout, "%-*s  %-*s  %-20s  %s\n", wr, c.Resource, wp, parentText(c.ParentKey), c.Updated.Format("2006-01-02 15:04:05"), c.Cursor)
			}
			return nil
		},
	}
	addDestFlag(cmd, &f.dest)
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print JSON")
	cmd.Flags().StringVar(&resource, "resource", "", "only this resource")
	cmd.AddCommand(e.stateResetCommand())
	return cmd
}

func parentText(key string) string {
	if key == "" {
		return "-"
	}
	return key
}

func (e *env) stateResetCommand() *cobra.Command {
	f := viewFlags{writable: true}
	var resource, parent string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "reset SPEC --resource R [--parent KEY] [--wait DURATION]",
		Short: "Forget the cursors of a resource, so that its next run starts from the initial value",
		Long: `Reset deletes the committed cursors of resource R of SPEC's pipeline: of
every parent record, or only of KEY (as pipe state prints it) with --parent.
It runs in one transaction: on any error, or if nothing matches, nothing
changes.

It holds the pipeline's run lock while it does, so that it never
interleaves with a run (which would save the cursors again): while a run
is in progress it fails at once, or with --wait waits up to DURATION for
the run to end; runs that start meanwhile wait for the reset. For a
SQLite file the lock covers every pipeline loading into the file.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if resource == "" {
				return usagef("state reset: --resource is required")
			}
			ctx := cmd.Context()
			v, err := e.openView(ctx, cmd, args, f)
			if err != nil {
				return err
			}
			defer v.Close()
			pipeline := v.pipeline()
			if !hasResource(v.spec.Resources, resource) {
				return usagef("state reset: spec %s has no resource %q", pipeline, resource)
			}
			release, err := e.excludeRuns(ctx, v, f.dest, wait)
			if err != nil {
				return err
			}
			n, err := v.ResetState(ctx, pipeline, resource, cmd.Flags().Changed("parent"), parent)
			if rerr := release(); err == nil && rerr != nil {
				return fmt.Errorf("state reset: run lock: %w", rerr)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "reset %d cursor(s) of %s.%s\n", n, pipeline, resource)
			return nil
		},
	}
	addDestFlag(cmd, &f.dest)
	cmd.Flags().StringVar(&resource, "resource", "", "the resource whose cursors to forget (required)")
	cmd.Flags().StringVar(&parent, "parent", "", "only the cursor of this parent record key")
	cmd.Flags().DurationVar(&wait, "wait", 0, "wait up to this long for a run in progress to end (default: fail at once)")
	return cmd
}

// excludeRuns takes the run lock of v's pipeline exclusively through the
// destination (destinations.RunExcluder) and returns its release: at
// once, or, when a run holds it and wait is not 0, after that run ended
// (up to wait). The error of a run in progress names its load.
func (e *env) excludeRuns(ctx context.Context, v opened, dest string, wait time.Duration) (func() error, error) {
	pipeline := v.pipeline()
	d, _, err := e.openDest(ctx, dest, pipeline)
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	x, ok := d.(destinations.RunExcluder)
	if !ok {
		d.Close()
		return nil, fmt.Errorf("state reset: destination %s cannot keep runs of %s out while it resets", v.where, pipeline)
	}
	release, err := x.ExcludeRuns(ctx, pipeline, false)
	if errors.Is(err, destinations.ErrRunInProgress) {
		running := e.runningLoad(ctx, v)
		if wait <= 0 {
			d.Close()
			return nil, fmt.Errorf("state reset: pipeline %s has a run in progress%s: its cursors would overwrite the reset; reset when it has ended, or add --wait 10m", pipeline, running)
		}
		e.logger().Info("waiting for the run in progress to end", "pipeline", pipeline, "run", strings.TrimPrefix(running, " "), "wait", wait)
		wctx, cancel := context.WithTimeout(ctx, wait)
		release, err = x.ExcludeRuns(wctx, pipeline, true)
		cancel()
		if err != nil && wctx.Err() != nil && ctx.Err() == nil {
			d.Close()
			return nil, fmt.Errorf("state reset: pipeline %s still has a run in progress%s after --wait %s", pipeline, running, wait)
		}
	}
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("state reset: %w", err)
	}
	return func() error {
		err := release()
		return errors.Join(err, d.Close())
	}, nil
}

// runningLoad names the newest load of v's pipeline recorded as running
// (" (load ID, started T)"), or "" when it cannot tell: a run that has
// not begun its first transaction has no row yet.
func (e *env) runningLoad(ctx context.Context, v opened) string {
	loads, err := v.Loads(ctx, 20)
	if err != nil {
		return ""
	}
	for _, l := range loads {
		if l.Pipeline == v.pipeline() && l.Status == "running" {
			return fmt.Sprintf(" (load %s, started %s)", l.ID, l.Started.UTC().Format(time.RFC3339))
		}
	}
	return ""
}

func hasResource(rs []spec.Resource, name string) bool {
	for _, r := range rs {
		if r.Name == name {
			return true
		}
	}
	return false
}
