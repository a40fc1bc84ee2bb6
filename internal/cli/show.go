package cli

import "github.com/spf13/cobra"

func (e *env) showCommand() *cobra.Command {
	return &cobra.Command{Use: "show", Hidden: true}
}
