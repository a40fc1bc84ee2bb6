package cli

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/spec"
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

func (e *env) planCommand() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan SPEC",
		Short: "Print the resolved resource graph and first requests, without network",
		Long: `Plan prints what run would do: each resource with its inherited settings
(resource_defaults and client applied), its parent, paginator, auth kind and
first request. Secrets are never resolved or printed.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := e.buildPlan(args[0], f)
			if err != nil {
				return err
			}
			return p.Describe(e.stdout)
		},
	}
	addPlanFlags(cmd, &f)
	return cmd
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

func (e *env) schemaCommand() *cobra.Command {
	var dest string
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the tables and columns loaded in a destination",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := e.openExisting(cmd, dest)
			if err != nil {
				return err
			}
			defer d.Close()
			tables, err := d.Tables(cmd.Context())
			if err != nil {
				return err
			}
			for _, t := range tables {
				parent := ""
				if t.Parent != "" {
					parent = " (child of " + t.Parent + ")"
				}
				fmt.Fprintf(e.stdout, "%s%s\n", t.Name, parent)
				for _, c := range t.Columns {
					fmt.Fprintf(e.stdout, "  %-40s %s\n", c.Name, c.Type)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dest, "dest", "", "destination URL or SQLite path (default $PIPE_DEST)")
	return cmd
}

func (e *env) loadsCommand() *cobra.Command {
	var dest string
	var limit int
	cmd := &cobra.Command{
		Use:   "loads",
		Short: "Print the load history of a destination, newest first",
		Long: `Loads prints one line per load: id, pipeline, status, start, duration
and rows. A failed or interrupted load gets two more lines: its error
and its rows per table (what its checkpoints committed). A load is
interrupted when the process running it ended without finishing it;
the next run of the pipeline finds and marks it.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := e.openExisting(cmd, dest)
			if err != nil {
				return err
			}
			defer d.Close()
			lister, ok := d.(destinations.LoadLister)
			if !ok {
				return fmt.Errorf("destination cannot list its loads")
			}
			loads, err := lister.Loads(cmd.Context(), limit)
			if err != nil {
				return err
			}
			printLoads(e.stdout, loads)
			return nil
		},
	}
	cmd.Flags().StringVar(&dest, "dest", "", "destination URL or SQLite path (default $PIPE_DEST)")
	cmd.Flags().IntVar(&limit, "limit", 20, "show at most this many loads (0 for all)")
	return cmd
}

// printLoads prints the load history; see loadsCommand.
func printLoads(w io.Writer, loads []destinations.LoadRecord) {
	fmt.Fprintf(w, "%-27s %-16s %-11s %-20s %10s %10s\n", "load", "pipeline", "status", "started (UTC)", "duration", "rows")
	for _, l := range loads {
		var total int64
		for _, n := range l.Rows {
			total += n
		}
		took := "-"
		if !l.Finished.IsZero() {
			took = l.Finished.Sub(l.Started).Round(time.Millisecond).String()
		}
		fmt.Fprintf(w, "%-27s %-16s %-11s %-20s %10s %10d\n", l.ID, l.Pipeline, l.Status, l.Started.Format("2006-01-02 15:04:05"), took, total)
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

// openExisting opens --dest (or PIPE_DEST) for reading; unlike run, it
// has no default file to create.
func (e *env) openExisting(cmd *cobra.Command, dest string) (destinations.Destination, error) {
	if dest == "" {
		if _, ok := e.getenv("PIPE_DEST"); !ok {
			return nil, usagef("%s: --dest is required (or set PIPE_DEST)", cmd.Name())
		}
	}
	if !strings.Contains(dest, "://") && dest != "" {
		path := strings.TrimPrefix(dest, "sqlite:")
		if _, err := os.Stat(path); err != nil {
			return nil, usagef("%s: --dest %s: %w", cmd.Name(), dest, err)
		}
	}
	d, _, err := e.openDest(cmd.Context(), dest, "")
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	return d, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
