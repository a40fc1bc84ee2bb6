package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/normalize"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/state"
)

// msg is what extraction sends the writer: a page's rows, or the final
// cursor of a completed request chain (sent after all its rows).
type msg struct {
	res    *plan.Resource
	rows   *normalize.Rows
	cursor *state.Entry
}

// writer owns the destination for a run: it evolves table schemas, writes
// batches, and commits rows with their cursors at checkpoints.
type writer struct {
	dest   destinations.Destination
	load   destinations.Load
	plan   *plan.Plan
	opts   Options
	tables map[string]*schema.Table
	tx     destinations.Tx

	pending         []state.Entry // cursors of completed chains, saved at the next commit
	rows            map[string]int64
	sinceCheckpoint int
	status          string
	// extractErr is set before the message channel closes.
	extractErr error
}

func newWriter(d destinations.Destination, load destinations.Load, p *plan.Plan, existing []schema.Table, o Options) *writer {
	w := &writer{dest: d, load: load, plan: p, opts: o, tables: map[string]*schema.Table{}, rows: map[string]int64{}}
	for i := range existing {
		w.tables[existing[i].Name] = &existing[i]
	}
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
	}
	if err != nil {
		w.status = "failed"
		if w.tx != nil {
			_ = w.tx.Rollback()
		}
		return err
	}
	return w.finish(context.WithoutCancel(ctx))
}

func (w *writer) handle(ctx context.Context, m msg) error {
	if m.cursor != nil {
		w.pending = append(w.pending, *m.cursor)
		return nil
	}
	if err := w.write(ctx, m.res, m.rows); err != nil {
		return fmt.Errorf("resource %q: %w", m.res.Name, err)
	}
	if w.sinceCheckpoint >= w.opts.CheckpointRows {
		return w.checkpoint(ctx)
	}
	return nil
}

func (w *writer) write(ctx context.Context, res *plan.Resource, rows *normalize.Rows) error {
	contract := contractOf(res)
	b := &destinations.Batch{Resource: res.Name, Disposition: destinations.Disposition(res.WriteDisposition)}
	for _, tr := range rows.Tables() {
		t, fitted, err := w.evolve(ctx, tr, contract)
		if err != nil {
			return err
		}
		if len(fitted) == 0 {
			continue
		}
		for _, row := range fitted {
			row[schema.ColLoadID] = w.load.ID
		}
		b.Tables = append(b.Tables, destinations.TableRows{Table: t, Rows: fitted})
		w.rows[t.Name] += int64(len(fitted))
		w.sinceCheckpoint += len(fitted)
	}
	b.ChildTables = w.childTables(res.Table)
	if len(b.Tables) == 0 {
		return nil
	}
	return w.tx.Write(ctx, b)
}

// evolve applies schema changes a table's rows need, under the
// resource's contract, and returns the rows as they fit the table.
func (w *writer) evolve(ctx context.Context, tr normalize.TableRows, c schema.Contract) (*schema.Table, []schema.Row, error) {
	observed := tr.Schema()
	observed.Columns = append(observed.Columns, schema.Column{Name: schema.ColLoadID, Type: schema.Text, Nullable: true})
	existing := w.tables[tr.Name]
	next, changes, err := schema.Evolve(existing, observed, c, w.canWiden)
	if err != nil {
		return nil, nil, err
	}
	if len(changes) > 0 {
		if err := w.tx.EnsureTable(ctx, next, changes); err != nil {
			return nil, nil, fmt.Errorf("table %q: %w", tr.Name, err)
		}
		w.tables[tr.Name] = next
	}
	fitted, err := schema.Fit(next, tr.Rows, c)
	if err != nil {
		return nil, nil, err
	}
	return next, fitted, nil
}

func (w *writer) canWiden(from, to schema.Type) bool {
	if d, ok := w.dest.(interface{ CanWiden(from, to schema.Type) bool }); ok {
		return d.CanWiden(from, to)
	}
	return true
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
	if len(w.pending) > 0 {
		if err := w.tx.SaveState(ctx, w.plan.Name, w.pending); err != nil {
			return fmt.Errorf("save state: %w", err)
		}
	}
	ls := destinations.LoadStatus{Status: status, Rows: w.rows}
	if status != "running" {
		ls.Finished = time.Now().UTC()
	}
	if err := w.tx.Commit(ctx, ls); err != nil {
		return fmt.Errorf("commit load: %w", err)
	}
	w.pending = nil
	return nil
}

// finish swaps in replaced tables (only when extraction succeeded: a
// failed replace keeps the old data) and commits with the final status.
func (w *writer) finish(ctx context.Context) error {
	w.status = "completed"
	if w.extractErr != nil {
		w.status = "failed"
	} else {
		for _, res := range w.plan.Resources {
			if !res.Selected || res.WriteDisposition != string(destinations.Replace) {
				continue
			}
			tables := append([]string{res.Table}, w.childTables(res.Table)...)
			if err := w.tx.FinishReplace(ctx, tables); err != nil {
				_ = w.tx.Rollback()
				w.status = "failed"
				return fmt.Errorf("resource %q: replace: %w", res.Name, err)
			}
		}
	}
	if err := w.commit(ctx, w.status); err != nil {
		_ = w.tx.Rollback()
		w.status = "failed"
		return errors.Join(err)
	}
	return nil
}

func contractOf(res *plan.Resource) schema.Contract {
	return schema.Contract{
		Tables:   schema.Mode(res.SchemaContract.Tables),
		Columns:  schema.Mode(res.SchemaContract.Columns),
		DataType: schema.Mode(res.SchemaContract.DataType),
	}
}
