package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

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

