package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

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
			if dest == "" {
				if _, ok := e.getenv("PIPE_DEST"); !ok {
					return usagef("schema: --dest is required (or set PIPE_DEST)")
				}
			}
			d, _, err := e.openDest(cmd.Context(), dest, "")
			if err != nil {
				return fmt.Errorf("destination: %w", err)
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

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
