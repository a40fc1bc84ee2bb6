package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/normalize"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/state"
)

// msg is what extraction sends the writer: a page's rows, the final
// cursor of a completed request chain (sent after all its rows), or that
// a resource extracted everything (sent after all its chains' messages).
type msg struct {
	res    *plan.Resource
	rows   *normalize.Rows
	url    string                // the page the rows came from, redacted, for errors
	origin []string              // root columns from the chain's parent or list item (destinations.Batch.Origin)
	enc    map[string]preEncoded // rows' tables the chain encoded (see encode.go)
	parent string                // the parent chain of a child resource without origin columns (parents.go)
	keyed  []keyedRecord         // the root ids and texts of its records
	cursor *state.Entry
	done   bool
}

// writer owns the destination for a run: it evolves table schemas, writes
// batches, and commits rows with their cursors at checkpoints.
type writer struct {
	dest   destinations.Destination
	load   destinations.Load
	plan   *plan.Plan
	opts   Options
	tables map[string]*schema.Table
	// before names the tables that existed when the load began: only
	// they can hold rows of earlier loads that a merge_key replaces.
	before map[string]bool
	// fixed holds each resource's hinted column types (fixedTypes).
	fixed map[string]map[string]map[string]schema.Type
	// snapshot is tables as last published to the chains, which encode
	// pages for them (see encode.go).
	snapshot atomic.Pointer[map[string]*schema.Table]
	tx       destinations.Tx

	pending       []state.Entry    // cursors of completed chains, saved at the next commit
	held          []state.Entry    // cursors a full refresh holds until its last commit
	rows          map[string]int64 // rows written per table, committed or not
	committedRows map[string]int64 // rows per table as of the last commit
	// changes sums what the committed transactions did to each table's
	// rows, when the destination counts it (destinations.RowCounter).
	changes         map[string]destinations.RowCounts
	sinceCheckpoint int
	status          string
	parents         parentCheck
	// extractErr is set before the message channel closes.
	extractErr error
}

func newWriter(d destinations.Destination, load destinations.Load, p *plan.Plan, existing []schema.Table, o Options) *writer {
	w := &writer{dest: d, load: load, plan: p, opts: o, tables: map[string]*schema.Table{}, rows: map[string]int64{}}
	w.before, w.fixed = map[string]bool{}, map[string]map[string]map[string]schema.Type{}
	for i := range existing {
		w.tables[existing[i].Name] = &existing[i]
		w.before[existing[i].Name] = true
	}
	w.publishTables()
	return w
}

// run consumes in until it is closed. On a write error it cancels the
// run and drains in, so that extraction never blocks on a dead writer.
func (w *writer) run(ctx context.Context, cancel context.CancelFunc, in <-chan msg) error {
	var err error
	w.tx, err = w.dest.Begin(ctx, w.load)
	if err != nil {
		err = fmt.Errorf("begin load: %w", err)
	}
	for m := range in {
		if err != nil {
			continue
		}
		if err = w.handle(ctx, m); err != nil {
			cancel()
		}
		putRows(m.rows) // written: Tx.Write keeps no row map
	}
	if err != nil {
		w.status = "failed"
		if w.tx != nil {
			_ = w.tx.Rollback()
		}
		return errors.Join(err, w.recordFailure(context.WithoutCancel(ctx), err))
	}
	return w.finish(context.WithoutCancel(ctx))
}

// interruptedRecordWait bounds how long an interrupted load tries to
// record its failure.
const interruptedRecordWait = 2 * time.Second

// recordFailure marks the load failed in _pipe_loads after its last
// transaction was rolled back, with the rows its checkpoints committed,
// so pipe loads does not show it as still running. When that fails too
// (the disk that failed the load is full), it returns an error saying
// so, for the caller to report beside the one that failed the load:
// otherwise the history would lack the run and nothing would say why.
func (w *writer) recordFailure(ctx context.Context, cause error) error {
	if errors.Is(cause, context.Canceled) {
		// Interrupted (a Ctrl-C): record the failure if the database
		// lets it at once, but do not wait out another process's lock.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, interruptedRecordWait)
		defer cancel()
	}
	tx, err := w.dest.Begin(ctx, w.load)
	if err == nil {
		if err = tx.Commit(ctx, destinations.LoadStatus{Status: "failed", Finished: time.Now().UTC(), Rows: w.committedRows, Error: cause.Error()}); err != nil {
			_ = tx.Rollback()
		}
	}
	if err != nil {
		return fmt.Errorf("the failure could not be recorded in %s either, so pipe loads will not show this load as failed: %w", destinations.LoadsTable, err)
	}
	return nil
}

func (w *writer) handle(ctx context.Context, m msg) error {
	if m.cursor != nil {
		w.pending = append(w.pending, *m.cursor)
		return nil
	}
	if m.done {
		if w.opts.CheckpointResources && (w.sinceCheckpoint > 0 || len(w.pending) > 0) {
			return w.checkpoint(ctx)
		}
		return nil
	}
	if err := w.parents.check(m.res, m.parent, m.keyed); err != nil {
		return fmt.Errorf("resource %q: %s: %w", m.res.Name, m.url, err)
	}
	if err := w.write(ctx, m.res, m.rows, m.enc, m.origin); err != nil {
		return fmt.Errorf("resource %q: %s: %w", m.res.Name, m.url, keyHint(m.res, err))
	}
	if w.sinceCheckpoint >= w.opts.CheckpointRows {
		return w.checkpoint(ctx)
	}
	return nil
}

func (w *writer) write(ctx context.Context, res *plan.Resource, rows *normalize.Rows, pre map[string]preEncoded, origin []string) error {
	fixed, ok := w.fixed[res.Name]
	if !ok {
		fixed = fixedTypes(res, w.opts.MaxIdentLen)
		w.fixed[res.Name] = fixed
	}
	ev := schema.Evolver{Contract: contractOf(res), CanWiden: w.canWiden, MaxIdentLen: w.opts.MaxIdentLen, Fixed: fixed}
	results, err := rows.Fit(w.tables, ev)
	if err != nil {
		return err
	}
	b := &destinations.Batch{Resource: res.Name, Disposition: w.disposition(res), Origin: origin}
	changed := false
	defer func() {
		if changed {
			w.publishTables()
		}
	}()
	for i := range results {
		r := &results[i]
		if n := len(r.Dropped); n > 0 || r.DroppedValues > 0 {
			w.opts.Logger.Warn("schema contract discarded data", "table", r.Name, "rows", n, "values", r.DroppedValues)
		}
		if r.Table == nil || len(r.Rows) == 0 {
			continue
		}
		encoded := w.encodedFor(pre, r)
		if len(r.Changes) > 0 {
			if err := checkWidth(w.dest, r.Table); err != nil {
				return fmt.Errorf("table %q: %w", r.Name, err)
			}
			if err := w.tx.EnsureTable(ctx, r.Table, r.Changes); err != nil {
				return fmt.Errorf("table %q: %w", r.Name, err)
			}
			w.tables[r.Name] = r.Table
			changed = true
		}
		b.Tables = append(b.Tables, destinations.TableRows{Table: r.Table, Rows: r.Rows, Encoded: encoded})
		w.rows[r.Name] += int64(len(r.Rows))
		w.sinceCheckpoint += len(r.Rows)
	}
	if len(b.Tables) == 0 {
		return nil
	}
	root := w.rootTable(res)
	b.ChildTables = w.childTables(root)
	if f := rows.FormerIDs(); len(f) > 0 && w.before[root] {
		b.FormerIDs = f
	}
	if b.Disposition == destinations.Merge && len(res.MergeKey) > 0 && w.before[root] {
		if b.MergeKey, err = mergeKeyColumns(res, b.Tables[0].Table); err != nil {
			return err
		}
	}
	return w.tx.Write(ctx, b)
}

func (w *writer) canWiden(from, to schema.Type) bool {
	if d, ok := w.dest.(destinations.Widener); ok {
		return d.CanWiden(from, to)
	}
	return true
}

// rootTable is the name of res's root table in the destination: its
// table name shortened to the destination's identifier limit, as
// normalize names it (a resource name past Postgres' 63 bytes).
func (w *writer) rootTable(res *plan.Resource) string {
	return schema.Shorten(res.Table, w.opts.MaxIdentLen)
}

// childTables lists the known tables below root, directly or not.
func (w *writer) childTables(root string) []string {
	var out []string
	for name := range w.tables {
		if name != root && rootOf(w.tables, name) == root {
			out = append(out, name)
		}
	}
	return out
}

func rootOf(tables map[string]*schema.Table, name string) string {
	for i := 0; i < 64; i++ {
		t, ok := tables[name]
		if !ok || t.Parent == "" {
			return name
		}
		name = t.Parent
	}
	return name
}

// checkpoint commits what was written so far, with the cursors of the
// chains it completes, and opens the next transaction.
func (w *writer) checkpoint(ctx context.Context) error {
	if err := w.commit(ctx, "running"); err != nil {
		return err
	}
	tx, err := w.dest.Begin(ctx, w.load)
	if err != nil {
		return fmt.Errorf("begin load: %w", err)
	}
	w.tx = tx
	w.sinceCheckpoint = 0
	return nil
}

func (w *writer) commit(ctx context.Context, status string) error {
	if err := w.saveState(ctx, status); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	ls := destinations.LoadStatus{Status: status, Rows: w.rows}
	if status != "running" {
		ls.Finished = time.Now().UTC()
	}
	if err := w.tx.Commit(ctx, ls); err != nil {
		return fmt.Errorf("commit load: %w", err)
	}
	w.pending = nil
	w.committedRows = maps.Clone(w.rows)
	w.countChanges()
	return nil
}

// countChanges adds what the transaction just committed did to the
// load's counts.
func (w *writer) countChanges() {
	c, ok := w.tx.(destinations.RowCounter)
	if !ok {
		return
	}
	if w.changes == nil {
		w.changes = map[string]destinations.RowCounts{}
	}
	for t, n := range c.RowCounts() {
		sum := w.changes[t]
		sum.Add(n)
		w.changes[t] = sum
	}
}

// finish swaps in replaced tables (only when extraction succeeded: a
// failed replace keeps the old data) and commits with the final status.
func (w *writer) finish(ctx context.Context) error {
	w.status = "completed"
	if w.extractErr != nil && w.opts.BeforeCommit != nil {
		_ = w.tx.Rollback()
		w.status = "failed"
		return w.recordFailure(ctx, w.extractErr)
	}
	if w.extractErr != nil {
		// A failed run commits nothing more: what it wrote since its last
		// checkpoint is rolled back, so the tables are as the last commit
		// left them (as before the run when no checkpoint was reached).
		w.status = "failed"
		_ = w.tx.Rollback()
		return w.recordFailure(ctx, w.extractErr)
	}
	for _, res := range w.plan.Resources {
		if !res.Selected || w.disposition(res) != destinations.Replace {
			continue
		}
		root := w.rootTable(res)
		tables := append([]string{root}, w.childTables(root)...)
		if err := w.tx.FinishReplace(ctx, tables); err != nil {
			_ = w.tx.Rollback()
			w.status = "failed"
			return fmt.Errorf("resource %q: replace: %w", res.Name, err)
		}
	}
	if w.opts.BeforeCommit != nil {
		if err := w.opts.BeforeCommit(ctx, w.tx); err != nil {
			_ = w.tx.Rollback()
			w.status = "failed"
			err = fmt.Errorf("before commit: %w", err)
			return errors.Join(err, w.recordFailure(ctx, err))
		}
	}
	if err := w.commit(ctx, w.status); err != nil {
		_ = w.tx.Rollback()
		w.status = "failed"
		return errors.Join(err, w.recordFailure(ctx, err))
	}
	return nil
}

// disposition is how res's rows are written: as the spec says, or
// replace for every resource of a full refresh.
func (w *writer) disposition(res *plan.Resource) destinations.Disposition {
	if w.opts.FullRefresh {
		return destinations.Replace
	}
	return destinations.Disposition(res.WriteDisposition)
}

// saveState saves the cursors of the chains completed since the last
// commit. A full refresh holds them until the commit that swaps its
// tables in, which first deletes every cursor of its resources (a
// parent gone since keeps none); a failed full refresh ends without that
// commit, so tables and cursors stay as they were.
func (w *writer) saveState(ctx context.Context, status string) error {
	if !w.opts.FullRefresh {
		if len(w.pending) == 0 {
			return nil
		}
		return w.tx.SaveState(ctx, w.plan.Name, w.pending)
	}
	if status == destinations.StatusRunning {
		w.held = append(w.held, w.pending...)
		return nil
	}
	var names []string
	for _, res := range w.plan.Resources {
		if res.Selected {
			names = append(names, res.Name)
		}
	}
	if err := w.tx.ClearState(ctx, w.plan.Name, names); err != nil {
		return err
	}
	entries := append(w.held, w.pending...)
	if len(entries) == 0 {
		return nil
	}
	return w.tx.SaveState(ctx, w.plan.Name, entries)
}

func contractOf(res *plan.Resource) schema.Contract {
	return schema.Contract{
		Tables:   schema.Mode(res.SchemaContract.Tables),
		Columns:  schema.Mode(res.SchemaContract.Columns),
		DataType: schema.Mode(res.SchemaContract.DataType),
	}
}

// keyHint adds to an origin conflict the setting that fixes it: a
// primary key that takes in the parent's columns.
func keyHint(res *plan.Resource, err error) error {
	var oc *destinations.OriginConflict
	if !errors.As(err, &oc) {
		return err
	}
	key := append(slices.Clone(res.PrimaryKey), oc.Columns...)
	if len(res.PrimaryKey) == 0 {
		return fmt.Errorf("%w: the resource has no primary_key, so a row's id comes from the record's content, the same in both; set a primary_key that tells them apart and takes in the parent's column, e.g. primary_key: [%s, ...]", err, strings.Join(oc.Columns, ", "))
	}
	return fmt.Errorf("%w: primary_key [%s] does not tell the two records apart, and one row would keep only one of them; add the parent's column to the key: primary_key: [%s]", err, strings.Join(res.PrimaryKey, ", "), strings.Join(key, ", "))
}
