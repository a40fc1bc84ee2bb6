package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/internal/dbview"
)

// viewFlags are the flags of the commands that read a database.
type viewFlags struct {
	dest     string
	jsonOut  bool
	writable bool // open for writing (pipe state reset)
}

func addDestFlag(cmd *cobra.Command, dest *string) {
	cmd.Flags().StringVar(dest, "dest", "", "destination URL or SQLite path (default $PIPE_DEST, else ./<spec name>.db)")
}

// opened is a database opened by openView.
type opened struct {
	*dbview.View
	spec  *spec.Spec // nil without a SPEC argument
	where string     // the database as printed (a Postgres password hidden)
}

// pipeline is the spec's name, "" without one.
func (o opened) pipeline() string {
	if o.spec == nil {
		return ""
	}
	return o.spec.Name
}

// openView opens the database of a command that reads one: --dest, else
// $PIPE_DEST, else ./<name>.db of SPEC (args[0] if given), exactly as run
// picks it. A SQLite file that does not exist is a usage error, never
// created.
func (e *env) openView(ctx context.Context, cmd *cobra.Command, args []string, f viewFlags) (opened, error) {
	var o opened
	if len(args) > 0 {
		s, err := loadSpec(args[0])
		if err != nil {
			return o, err
		}
		o.spec = s
	} else if f.dest == "" {
		if _, ok := e.getenv("PIPE_DEST"); !ok {
			return o, usagef("%s: give a SPEC or --dest (or set PIPE_DEST)", cmd.Name())
		}
	}
	t, where, err := e.resolveDest(f.dest, o.pipeline())
	if err != nil {
		return o, usagef("destination: %w", err)
	}
	o.where = where
	if t.Kind == dbview.SQLite {
		if _, err := os.Stat(t.Addr); err != nil {
			return o, usagef("%s: database %s: %w", cmd.Name(), where, err)
		}
	}
	if o.View, err = dbview.Open(ctx, t, f.writable); err != nil {
		return o, fmt.Errorf("destination: %w", err)
	}
	return o, nil
}

// writeJSON writes v as indented JSON.
func (e *env) writeJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
