package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

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
it: --dest, $PIPE_DEST, ./<name>.db) or of --dest, newest first.`,
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
			fmt.Fprintf(e.stdout, "%-27s %-16s %-10s %-20s %10s %10s\n", "load", "pipeline", "status", "started (UTC)", "duration", "rows")
			for _, l := range loads {
				took := "-"
				if l.Finished != nil {
					took = l.Duration().Round(time.Millisecond).String()
				}
				fmt.Fprintf(e.stdout, "%-27s %-16s %-10s %-20s %10s %10d\n", l.ID, l.Pipeline, l.Status, l.Started.Format("2006-01-02 15:04:05"), took, l.Total())
			}
			return nil
		},
	}
	addDestFlag(cmd, &f.dest)
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 20, "show at most this many loads (0 for all)")
	return cmd
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
