package cli

import (
	"github.com/spf13/cobra"
)

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

