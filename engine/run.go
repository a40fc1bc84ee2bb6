// Package engine runs a plan, and only schedules: it submits every
// needed resource's request chains to a bounded pool (children as their
// parents' records arrive), tracks when resources complete, and hands
// normalized pages and chain cursors to a single writer goroutine that
// evolves the destination's schema and commits rows with their cursors
// at checkpoints. What a chain keeps is engine/extract's (filters,
// incremental window, cursor), how a record becomes rows is
// engine/normalize's, cursor rules are engine/state's.
//
// Goroutines of a run: engine starts the pool's workers (at most
// client.concurrency chains at once, a chain running on its submitter's
// goroutine when all are busy), the writer and the progress printer.
// engine/rest starts some of its own inside a chain: one that fetches
// the next page while the current one is normalized, and up to
// paginator.parallel page fetches; it joins them before a page iterator
// returns. engine/extract starts none.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/state"
)

// DefaultCheckpointRows is how many rows a load writes between commits.
const DefaultCheckpointRows = 50_000

// Options configure a run.
type Options struct {
	Dest    destinations.Destination
	Secrets secrets.Store
	// HTTPClient is used for API and token requests; nil for a tuned default.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Progress receives a line per resource while running; nil for none.
	Progress io.Writer
	// CheckpointRows commits the load every this many rows (state
	// included), so a crash loses at most that much work.
	CheckpointRows int
	// CheckpointResources also commits each time a resource has extracted
	// everything (its rows and cursors).
	CheckpointResources bool
	// MaxIdentLen is the destination's identifier limit (63 for Postgres).
	MaxIdentLen int
	// Auth maps each auth type to its constructor; the composition root
	// assembles it (rest.BuiltinAuthKinds plus oauth2_refresh_token and
	// token_broker). Nil means rest.BuiltinAuthKinds.
	Auth rest.AuthKinds
	// Sleep replaces time-based waits in retries (tests); nil for real ones.
	Sleep func(context.Context, time.Duration) error
}

// Report summarizes a run.
type Report struct {
	LoadID    string
	Status    string // completed, failed
	Tables    map[string]int64
	Resources map[string]*ResourceStats
	Elapsed   time.Duration
}

// ResourceStats counts what a resource produced.
type ResourceStats struct {
	Chains  int64
	Pages   int64
	Records int64
	Rows    int64
	// RateWait is the time requests spent waiting for the rate limits.
	RateWait time.Duration
	// Done is set when the resource has extracted everything.
	Done bool
}

// Run executes p into o.Dest. Rows and cursors written before an error
// stay committed (the load is recorded as failed); cursors advance only
// for request chains that completed, so a rerun resumes without loss.
func Run(ctx context.Context, p *plan.Plan, o Options) (*Report, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CheckpointRows <= 0 {
		o.CheckpointRows = DefaultCheckpointRows
	}
	start := time.Now()
	committed, err := o.Dest.State(ctx, p.Name)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	tables, err := o.Dest.Tables(ctx)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	r, err := newRunner(ctx, p, o)
	if err != nil {
		return nil, err
	}
	r.committed = make(map[state.Key]state.Cursor, len(committed))
	for _, e := range committed {
		r.committed[e.Key] = state.ParseCursor(e.Cursor)
	}
	load := destinations.Load{ID: state.NewLoadID(start), Pipeline: p.Name, Started: start.UTC()}
	r.loadID = load.ID
	w := newWriter(o.Dest, load, p, tables, o)
	report := &Report{LoadID: load.ID, Resources: r.stats}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	writeErr := make(chan error, 1)
	go func() { writeErr <- w.run(ctx, cancel, r.out) }()
	stopProgress := r.progress.start(o.Progress, r.stats, &r.mu)
	extractErr := r.extract(ctx)
	w.extractErr = extractErr
	if extractErr == nil {
		r.warnHints()
	}
	close(r.out)
	werr := <-writeErr
	stopProgress()

	report.Tables = w.rows
	if w.status != "completed" {
		report.Tables = w.committedRows // what a failed run left committed
	}
	report.Elapsed = time.Since(start)
	report.Status = w.status
	return report, errors.Join(extractErr, werr)
}
