package destinations

import (
	"context"
	"time"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/state"
)

// Disposition says how rows of a resource combine with rows already loaded.
type Disposition string

// The write dispositions.
const (
	Append  Disposition = "append"  // insert; a row whose _pipe_id exists is left as is (idempotent reruns)
	Replace Disposition = "replace" // write to staging, swap in at FinishReplace
	Merge   Disposition = "merge"   // upsert rows on _pipe_id; child rows merged roots no longer have deleted
)

// Load describes one run of a pipeline, recorded in _pipe_loads.
type Load struct {
	ID       string
	Pipeline string // the spec name
	Started  time.Time
}

// LoadStatus is what Commit records in _pipe_loads for the load.
type LoadStatus struct {
	Status   string           // StatusRunning at a checkpoint, StatusCompleted or StatusFailed at the end
	Finished time.Time        // zero while running
	Rows     map[string]int64 // rows written per table so far in this load
	// Error is why a failed load failed, as the engine reports it (secrets
	// already redacted); empty unless Status is StatusFailed.
	Error string
}

// RowCounts is what the writes of a load did to one table's rows. Every
// row written through Tx.Write is counted once as inserted, updated or
// unchanged, so the three add up to the rows written; Deleted counts
// rows besides those.
type RowCounts struct {
	// Inserted rows had a _pipe_id the table did not hold (replace: every
	// row, as the staging table starts empty).
	Inserted int64 `json:"inserted"`
	// Updated rows overwrote an existing row they differed from in a
	// column other than _pipe_load_id, and got the load's id; a row
	// given twice in one batch counts the second time as updated.
	Updated int64 `json:"updated"`
	// Unchanged rows equalled the existing row (merge), which keeps its
	// _pipe_load_id, or were skipped because their _pipe_id existed
	// (append).
	Unchanged int64 `json:"unchanged"`
	// Deleted rows are child rows of merged roots that the records no
	// longer have (a list got shorter or went away).
	Deleted int64 `json:"deleted"`
}

// Add adds o to c.
func (c *RowCounts) Add(o RowCounts) {
	c.Inserted += o.Inserted
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
	c.Deleted += o.Deleted
}

// TableRows is a batch of rows for one table, with the table's full
// (already evolved) schema.
type TableRows struct {
	Table *schema.Table
	Rows  []schema.Row
	// Encoded is what the destination's Encoder made of Rows for a table
	// with Table's columns, or nil. A destination that finds it is not
	// its own, or not for these columns, encodes Rows itself.
	Encoded any
}

// Batch is the rows one page of a resource produced: its root table first,
// then child tables, parents before children.
type Batch struct {
	Resource    string
	Disposition Disposition
	Tables      []TableRows
	// ChildTables names every known child table of the root, including
	// those with no rows in this batch, so that merge can clear the old
	// child rows of the merged roots.
	ChildTables []string
	// Origin names the root-table columns whose values the batch's
	// records took from their parent record or list item
	// (include_from_parent, add_field from a parent field, a list
	// variable's item): one page of one chain, so the same values in
	// every root row. A load that gets one _pipe_id with two different
	// origins fails with an *OriginConflict rather than keep one of the
	// two records in the row.
	Origin []string
	// MergeKey names the root-table columns of a merge's merge_key: the
	// rows, root and child, that earlier loads wrote with the values of
	// these columns that the batch's root rows hold are deleted before
	// the batch is written (dlt's delete-insert by merge_key). Rows with
	// a NULL among them belong to no such group. Nil when the resource
	// has no merge_key, and for a root table this load created.
	MergeKey []string
	// FormerIDs maps the _pipe_id of root rows whose key holds a number
	// written other than canonically (1.0 for 1) to the _pipe_id pipe
	// gave such a record before numbers in keys counted by value: a
	// merge deletes the rows stored under the former id (root and child)
	// before it writes the batch, and an append leaves out a record
	// stored under it, as under its id. Nil for a root table this load
	// created, and whenever no key is so written. It may hold ids that
	// are no root row of the batch.
	FormerIDs map[string]string
}

// Destination is a database that pipe loads into.
type Destination interface {
	// Tables returns the data tables with their logical schema as last
	// recorded in _pipe_schema (bookkeeping tables excluded).
	Tables(ctx context.Context) ([]schema.Table, error)
	// State returns the committed cursors of a pipeline.
	State(ctx context.Context, pipeline string) ([]state.Entry, error)
	// Begin opens a transaction for load. At most one is open at a time.
	Begin(ctx context.Context, load Load) (Tx, error)
	// Close releases the connection. It does not commit anything.
	Close() error
}

// Tx is one atomic unit of a load: everything written through it becomes
// visible at Commit or not at all.
type Tx interface {
	// EnsureTable creates t or alters the existing table to match t, which
	// is the evolved schema (existing columns plus the changes), and records
	// the new version in _pipe_schema. Staging tables of t are altered too.
	EnsureTable(ctx context.Context, t *schema.Table, changes []schema.Change) error
	// Write writes a batch under its disposition. A destination may keep
	// the values of b's rows until Commit or Rollback (to send them in
	// bulk or in the background), but not b, its slices or its row maps:
	// the engine reuses them for later pages once Write returns. An error
	// of the database may surface at a later Write or at Commit.
	Write(ctx context.Context, b *Batch) error
	// FinishReplace swaps the staging tables of a replace resource (root
	// and every child table named) into place, emptying tables that got no
	// rows in this load.
	FinishReplace(ctx context.Context, tables []string) error
	// SaveState upserts cursors of the pipeline into _pipe_state.
	SaveState(ctx context.Context, pipeline string, entries []state.Entry) error
	// ClearState deletes every cursor (every parent key) of the named
	// resources of the pipeline. A full refresh calls it once, in the
	// transaction that swaps its tables in, before it saves the new
	// cursors.
	ClearState(ctx context.Context, pipeline string, resources []string) error
	// Commit records status in _pipe_loads and commits.
	Commit(ctx context.Context, status LoadStatus) error
	// Rollback abandons the transaction; safe to call after Commit.
	Rollback() error
}
