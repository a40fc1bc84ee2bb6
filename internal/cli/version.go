package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildInfo is what pipe version prints.
type buildInfo struct {
	Version   string `json:"version"`    // the module version, "(devel)" for a build from a work tree
	Commit    string `json:"commit"`     // the VCS revision, "" when built without VCS information
	Modified  bool   `json:"modified"`   // the work tree had uncommitted changes
	BuildDate string `json:"build_date"` // the commit's time (vcs.time), as Go records no build time
	Go        string `json:"go"`
}

// readBuildInfo reads the build's module and VCS stamps.
func readBuildInfo() buildInfo {
	bi := buildInfo{Version: "unknown"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return bi
	}
	bi.Version, bi.Go = info.Main.Version, info.GoVersion
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			bi.Commit = s.Value
		case "vcs.time":
			bi.BuildDate = s.Value
		case "vcs.modified":
			bi.Modified = s.Value == "true"
		}
	}
	return bi
}

func (e *env) versionCommand() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print pipe's version, commit and build date",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			bi := readBuildInfo()
			if jsonOut {
				return e.writeJSON(bi)
			}
			commit := bi.Commit
			if commit == "" {
				commit = "unknown"
			}
			if bi.Modified {
				commit += " (modified)"
			}
			date := bi.BuildDate
			if date == "" {
				date = "unknown"
			}
			fmt.Fprintf(e.stdout, "pipe %s\ncommit %s\nbuilt %s\n%s\n", bi.Version, commit, date, bi.Go)
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}
