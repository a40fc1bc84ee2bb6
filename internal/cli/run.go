package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

func (e *env) runCommand() *cobra.Command {
	var f planFlags
	var dest string
	var checkpoint int
	var perResource, fullRefresh, asJSON bool
	var concurrency, sample int
	var cf cassetteFlags
	cmd := &cobra.Command{
		Use:   "run SPEC",
		Short: "Extract every selected resource of SPEC and load it",
		Long: `Run extracts every selected resource of SPEC (a file, or the name of a
shipped spec such as snyk) and loads it into the destination: ./<name>.db
(SQLite) by default, --dest or PIPE_DEST otherwise.`,
		Example: `  pipe run snyk
  pipe run sources/snyk/snyk.yml --dest postgres://user@localhost/db
  pipe run spec.yml --var region=api.eu.snyk.io --resources orgs,issues`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := interruptible(cmd.Context())
			defer stop()
			return e.runSpec(ctx, args[0], f, dest, runOptions{checkpointRows: checkpoint, checkpointResources: perResource, concurrency: concurrency,
				cassette: cf, sample: sample, fullRefresh: fullRefresh, json: asJSON})
		},
	}
	addPlanFlags(cmd, &f)
	cmd.Flags().StringVar(&dest, "dest", "", "destination: sqlite:///path.db, a .db path, or postgres://... (default $PIPE_DEST or ./<name>.db)")
	cmd.Flags().IntVar(&checkpoint, "checkpoint-rows", engine.DefaultCheckpointRows, "commit rows and cursors every N rows")
	cmd.Flags().BoolVar(&perResource, "checkpoint-resources", false, "also commit each time a resource has extracted everything")
	cmd.Flags().IntVar(&concurrency, "concurrency", 0, "requests in flight at once (default: the spec's client.concurrency, else 8)")
	cmd.Flags().StringVar(&cf.record, "record", "", "record every request and response, credentials redacted, to DIR/<spec name>.yaml")
	cmd.Flags().StringVar(&cf.replay, "replay", "", "run offline against DIR/<spec name>.yaml; an unrecorded request fails the run")
	cmd.Flags().BoolVar(&fullRefresh, "full-refresh", false, "ignore the saved cursors, reload everything and replace the tables and cursors when the run succeeds")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the run summary as JSON")
	cmd.Flags().IntVar(&sample, "sample", 0, "fetch at most N pages per request chain (children for the first N parents), keep nothing, and show the requests, detections, records and tables")
	return cmd
}

func addPlanFlags(cmd *cobra.Command, f *planFlags) {
	cmd.Flags().StringArrayVar(&f.vars, "var", nil, "set a spec variable, NAME=VALUE (repeatable; also env PIPE_VAR_<NAME>)")
	cmd.Flags().StringVar(&f.baseURL, "base-url", "", "replace client.base_url (a proxy, a regional host, a fake)")
	cmd.Flags().StringSliceVar(&f.resources, "resources", nil, "load only these resources (comma-separated); their parents are still extracted")
}

// runOptions are run's flags that tune the engine, not the plan.
type runOptions struct {
	checkpointRows      int
	checkpointResources bool
	concurrency         int // 0 keeps the plan's
	cassette            cassetteFlags
	sample              int // pages per chain of a sample run; 0 for a real run
	fullRefresh         bool
	json                bool // the summary as JSON
}

func (e *env) runSpec(ctx context.Context, arg string, f planFlags, destURL string, o runOptions) error {
	s, err := loadSpec(arg)
	if err != nil {
		return err
	}
	p, err := e.buildPlanFrom(s, f)
	if err != nil {
		return err
	}
	for _, w := range spec.Warnings(s) { // as pipe validate prints them: a run that ignores a setting says so
		fmt.Fprintln(e.stderr, w.Error())
	}
	if o.concurrency < 0 {
		return usagef("--concurrency %d: want a positive number", o.concurrency)
	}
	if o.concurrency > 0 {
		p.Concurrency = o.concurrency
	}
	if o.sample < 0 {
		return usagef("--sample %d: want a positive number of pages", o.sample)
	}
	if o.sample > 0 && destURL != "" {
		return usagef("--sample keeps nothing: drop --dest")
	}
	store, err := e.secretStore()
	if err != nil {
		return err
	}
	if o.cassette.replay != "" {
		store = replayStore{store}
	}
	if err := missingSecrets(p, func(name string) bool {
		_, err := store.Get(ctx, name)
		return err == nil
	}); err != nil {
		return err
	}
	red := rest.NewRedactor()
	tape, client, err := openCassette(ctx, o.cassette, p, store, red)
	if err != nil {
		return err
	}
	if o.sample > 0 {
		return closeCassette(tape, e.sample(ctx, p, store, o.sample, client, red))
	}
	dest, where, err := e.openDest(ctx, destURL, p.Name)
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	defer dest.Close()
	log := e.logger()
	log.Info("run", "spec", p.File, "dest", where)
	progress, redraw := e.progressOutput()
	rep, err := engine.Run(ctx, p, engine.Options{
		Dest:                dest,
		Secrets:             store,
		Logger:              log,
		Progress:            progress,
		Redraw:              redraw,
		CheckpointRows:      o.checkpointRows,
		CheckpointResources: o.checkpointResources,
		FullRefresh:         o.fullRefresh,
		MaxIdentLen:         maxIdentLen(dest),
		Auth:                e.authKinds(dest),
		HTTPClient:          client,
		Redactor:            red,
	})
	err = closeCassette(tape, err)
	if rep != nil {
		if o.json {
			if jerr := writeSummaryJSON(e.stdout, rep, where, o.fullRefresh); jerr != nil {
				return errors.Join(err, jerr)
			}
		} else {
			printSummary(e.stdout, rep, where, o.fullRefresh)
		}
	}
	return err
}

// progressOutput returns where run shows progress: stderr, redrawn in
// place when it is a terminal; log records with --log-format json;
// nowhere with -q.
func (e *env) progressOutput() (io.Writer, bool) {
	w := e.progress()
	if w == nil {
		return nil, false
	}
	if e.logJSON {
		return &progressLog{log: e.logger()}, false
	}
	f, ok := w.(interface{ Fd() uintptr })
	return w, ok && term.IsTerminal(int(f.Fd()))
}

func maxIdentLen(d any) int {
	if m, ok := d.(destinations.IdentLimiter); ok {
		return m.MaxIdentifierLength()
	}
	return 0
}
