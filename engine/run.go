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
// client.concurrency chains at once; a chain submitted while all are
// busy waits in a queue of as many, and runs on its submitter's goroutine
// when the queue is full too), the writer and, when Options.Progress is
// set, the progress printer; Run returns after all of them have ended.
// engine/rest starts some of its own inside a chain: one that fetches
// the next page while the current one is normalized, and up to
// paginator.parallel page fetches; it joins them before a page iterator
// returns. engine/extract starts none.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/normalize"
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
	// Redactor learns every secret the run uses, those got at run time
	// (tokens, session keys) included, before it is sent; nil for a new
	// one. A caller that writes what the run sent (a cassette) passes its
	// own and redacts with it.
	Redactor *rest.Redactor
	Logger   *slog.Logger
	// Progress receives a line per resource while running; nil for none.
	Progress io.Writer
	// Redraw redraws the progress lines in place with ANSI escapes (the
	// CLI sets it when Progress is a terminal) instead of appending lines.
	Redraw bool
	// SamplePages, when above 0, makes the run a sample (pipe run
	// --sample): each request chain fetches at most that many pages, each
	// resource runs at most that many chains (so a child resource runs for
	// the first parent records only), one chain at a time, and every
	// resource's Stats.Sample records what happened.
	SamplePages int
	// CheckpointRows commits the load every this many rows (state
	// included), so a crash loses at most that much work.
	CheckpointRows int
	// CheckpointResources also commits each time a resource has extracted
	// everything (its rows and cursors).
	CheckpointResources bool
	// MaxIdentLen is the destination's identifier limit (63 for Postgres);
	// 0 takes it from a destination that tells it (IdentLimiter).
	MaxIdentLen int
	// Auth maps each auth type to its constructor; the composition root
	// assembles it (rest.BuiltinAuthKinds plus oauth2_refresh_token and
	// token_broker). Nil means rest.BuiltinAuthKinds.
	Auth rest.AuthKinds
	// FullRefresh ignores the committed cursors and loads every selected
	// resource as replace: its tables are swapped in, and its cursors
	// replace all the old ones (per-parent ones included), only when the
	// whole run succeeds.
	FullRefresh bool
	// Sleep replaces time-based waits in retries (tests); nil for real ones.
	Sleep func(context.Context, time.Duration) error
	// Records gives the records of root resources, by resource name,
	// instead of requesting them: a partition of a partitioned run
	// (internal/jobs) gets its share of the parent records this way, and
	// its rows and child chains come from them. A root given records makes
	// one chain whatever its list variable holds, and moves no cursor.
	Records map[string][]json.RawMessage
	// BeforeCommit, when set, makes the run a single transaction: no
	// checkpoints, and a run that fails commits nothing but its failed
	// status in _pipe_loads. It is called once, in that transaction, after
	// every row, cursor and replace swap was written and just before the
	// commit of a run that succeeded; its error fails the run and rolls the
	// transaction back. internal/jobs completes a River job there, so that
	// a partition's effect and its completion commit together.
	BeforeCommit func(ctx context.Context, tx destinations.Tx) error
	// SharedBudget, when set, is a request budget shared with other
	// processes, waited on before every request after the spec's own rate
	// limits (see rest.SharedBudget).
	SharedBudget rest.SharedBudget
}

// Report summarizes a run.
type Report struct {
	LoadID string
	Status string // completed, failed
	Tables map[string]int64
	// Changes counts, per table, the committed rows inserted, updated,
	// unchanged and deleted; nil when the destination does not count
	// them (destinations.RowCounter).
	Changes   map[string]destinations.RowCounts
	Resources map[string]*ResourceStats
	Elapsed   time.Duration
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
	if l, ok := o.Dest.(destinations.IdentLimiter); ok && o.MaxIdentLen == 0 {
		o.MaxIdentLen = l.MaxIdentifierLength()
	}
	if o.BeforeCommit != nil {
		o.CheckpointRows, o.CheckpointResources = math.MaxInt, false
	}
	start := time.Now()
	var committed []state.Entry
	if !o.FullRefresh {
		var err error
		if committed, err = o.Dest.State(ctx, p.Name); err != nil {
			return nil, fmt.Errorf("read state: %w", err)
		}
	}
	tables, err := o.Dest.Tables(ctx)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	r, err := newRunner(ctx, p, o)
	if err != nil {
		return nil, err
	}
	r.names = normalize.NewNames(tables) // the recorded names win
	r.committed = make(map[state.Key]state.Cursor, len(committed))
	for _, e := range committed {
		r.committed[e.Key] = state.ParseCursor(e.Cursor)
	}
	load := destinations.Load{ID: state.NewLoadID(start), Pipeline: p.Name, Started: start.UTC()}
	r.loadID = load.ID
	w := newWriter(o.Dest, load, p, tables, o)
	r.encode = w.preEncode
	report := &Report{LoadID: load.ID, Resources: r.stats}

	caller := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	writeErr := make(chan error, 1)
	go func() { writeErr <- w.run(ctx, cancel, r.out) }()
	stopProgress := r.progress.start(o.Progress, o.Redraw, r.stats, &r.mu)
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
	report.Changes = w.changes
	report.Elapsed = time.Since(start)
	report.Status = w.status
	if werr != nil && errors.Is(extractErr, context.Canceled) && caller.Err() == nil {
		extractErr = nil // the writer's failure cancelled the extraction: it says why
	}
	return report, errors.Join(extractErr, werr)
}
