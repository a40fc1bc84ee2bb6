package cli

import (
	"fmt"

	"github.com/spf13/cobra"

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
	cmd := &cobra.Command{
		Use:   "reset SPEC --resource R [--parent KEY]",
		Short: "Forget the cursors of a resource, so that its next run starts from the initial value",
		Long: `Reset deletes the committed cursors of resource R of SPEC's pipeline: of
every parent record, or only of KEY (as pipe state prints it) with --parent.
It runs in one transaction: on any error, or if nothing matches, nothing
changes.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if resource == "" {
				return usagef("state reset: --resource is required")
			}
			v, err := e.openView(cmd.Context(), cmd, args, f)
			if err != nil {
				return err
			}
			defer v.Close()
			pipeline := v.pipeline()
			if !hasResource(v.spec.Resources, resource) {
				return usagef("state reset: spec %s has no resource %q", pipeline, resource)
			}
			n, err := v.ResetState(cmd.Context(), pipeline, resource, cmd.Flags().Changed("parent"), parent)
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
	return cmd
}

func hasResource(rs []spec.Resource, name string) bool {
	for _, r := range rs {
		if r.Name == name {
			return true
		}
	}
	return false
}
