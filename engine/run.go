// Package engine runs a plan: it extracts every needed resource
// concurrently within the rate limits, normalizes records into rows, and
// hands them to a single writer goroutine that evolves the destination's
// schema and loads rows and state atomically. It is the only package that
// starts goroutines for a run.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/secrets"
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
	r.committed = make(map[state.Key]string, len(committed))
	for _, e := range committed {
		r.committed[e.Key] = e.Cursor
	}
	load := destinations.Load{ID: newLoadID(start), Pipeline: p.Name, Started: start.UTC()}
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
	close(r.out)
	werr := <-writeErr
	stopProgress()

	report.Tables = w.rows
	report.Elapsed = time.Since(start)
	report.Status = w.status
	return report, errors.Join(extractErr, werr)
}

func newLoadID(t time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
