package cli

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/internal/dbview"
	"github.com/pipe-etl/pipe/sources"
)

func (e *env) validateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "validate SPEC",
		Short: "Check SPEC against the schema and its semantic rules, without network",
		Long: `Validate reports every problem of SPEC at once, each as
file:line:column: field.path: message, and exits 2 if there is any.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadSpec(args[0])
			if err != nil {
				return err
			}
			for _, w := range spec.Warnings(s) {
				fmt.Fprintln(e.stderr, w.Error())
			}
			fmt.Fprintf(e.stdout, "%s: ok (%d resource(s))\n", s.File, len(s.Resources))
			return nil
		},
	}
}

func (e *env) sourcesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "sources",
		Short: "List the specs shipped with pipe",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range sources.Names() {
				file, data, err := sources.Open(name)
				if err != nil {
					return err
				}
				desc := ""
				if s, err := spec.Load(file, data); err == nil {
					desc = firstLine(s.Description)
				}
				fmt.Fprintf(e.stdout, "%-16s %s\n", name, desc)
			}
			return nil
		},
	}
}

func (e *env) loadsCommand() *cobra.Command {
	var f viewFlags
	var limit int
	cmd := &cobra.Command{
		Use:   "loads [SPEC]",
		Short: "Print the load history of a destination, newest first",
		Long: `Loads prints the load history of the destination of SPEC (as run picks
it: --dest, $PIPE_DEST, ./<name>.db) or of --dest, newest first: one line
per load: id, pipeline, status, start, duration and rows. A failed or
interrupted load gets two more lines: its error and its rows per table
(what its checkpoints committed). A load is interrupted when the process
running it ended without finishing it; the next run of the pipeline finds
and marks it. --json prints the loads as JSON.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := e.openView(cmd.Context(), cmd, args, f)
			if err != nil {
				return err
			}
			defer v.Close()
			loads, err := v.Loads(cmd.Context(), limit)
			if err != nil {
				return err
			}
			if f.jsonOut {
				if loads == nil {
					loads = []dbview.Load{}
				}
				return e.writeJSON(loads)
			}
			printLoads(e.stdout, loads)
			return nil
		},
	}
	addDestFlag(cmd, &f.dest)
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 20, "show at most this many loads (0 for all)")
	return cmd
}

// printLoads prints the load history; see loadsCommand.
func printLoads(w io.Writer, loads []dbview.Load) {
	fmt.Fprintf(w, "%-27s %-16s %-11s %-20s %10s %10s\n", "load", "pipeline", "status", "started (UTC)", "duration", "rows")
	for _, l := range loads {
		took := "-"
		if l.Finished != nil {
			took = l.Duration().Round(time.Millisecond).String()
		}
		fmt.Fprintf(w, "%-27s %-16s %-11s %-20s %10s %10d\n", l.ID, l.Pipeline, l.Status, l.Started.Format("2006-01-02 15:04:05"), took, l.Total())
		if l.Status != destinations.StatusFailed && l.Status != destinations.StatusInterrupted {
			continue
		}
		if l.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", l.Error)
		}
		tables := slices.Sorted(maps.Keys(l.Rows))
		parts := make([]string, len(tables))
		for i, t := range tables {
			parts[i] = fmt.Sprintf("%s %d", t, l.Rows[t])
		}
		if len(parts) == 0 {
			parts = append(parts, "none committed")
		}
		fmt.Fprintf(w, "  rows: %s\n", strings.Join(parts, ", "))
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
