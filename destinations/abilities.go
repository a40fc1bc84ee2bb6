package destinations

import (
	"context"
	"database/sql"
	"errors"

	"github.com/pipe-etl/pipe/engine/schema"
)

// Optional abilities of a Destination. Each is checked with a type
// assertion by the caller named in its documentation, which falls back
// as documented when the destination lacks it. An implementation puts a
// compile-time guard beside its methods:
//
//	var _ destinations.Widener = (*SQL)(nil)

// Widener is a destination that changes a column's type in place along
// some widenings (bigint to double, say) instead of adding a variant
// column. The engine's writer asks CanWiden while it evolves a table's
// schema, once per type change observed. Without it the engine assumes
// every widening of the type lattice is possible.
type Widener interface {
	// CanWiden reports whether EnsureTable widens a column of type from
	// to type to.
	CanWiden(from, to schema.Type) bool
}

// IdentLimiter is a destination whose table and column names have a
// maximum length. The CLI asks before a run and passes the limit to the
// engine, which shortens longer names with a stable hash suffix. Without
// it names are not shortened (a destination may then still refuse a
// name with ErrIdentifierTooLong).
type IdentLimiter interface {
	// MaxIdentifierLength is the longest name in bytes the destination
	// keeps without truncating it.
	MaxIdentifierLength() int
}

// LoadLister is a destination that lists its load history. pipe loads
// calls Loads once; without it pipe loads says the destination cannot
// list its loads.
type LoadLister interface {
	// Loads returns the most recent loads, newest first; at most limit
	// (0 means all). None before the first load.
	Loads(ctx context.Context, limit int) ([]LoadRecord, error)
}

// AdvisoryLocker is a destination whose database offers named locks that
// every process using the database sees, on any machine (Postgres
// advisory locks). The CLI uses it to serialise OAuth2 refresh token
// rotation between pipelines sharing the destination; without it the
// CLI takes a file lock, which serialises processes of one machine only.
type AdvisoryLocker interface {
	// Lock blocks until it holds the lock called name or ctx is done,
	// and returns the function that releases it. The lock is held by a
	// database session: if the process dies, the database releases it.
	Lock(ctx context.Context, name string) (unlock func() error, err error)
}

// SQLTxer is a Tx that is a database/sql transaction. internal/jobs
// asks for it in engine.Options.BeforeCommit to complete a River job in
// the load's own transaction (river.JobCompleteTx), so that a
// partition's rows, its cursors and the job's completion commit together;
// without it a partitioned run is refused.
type SQLTxer interface {
	// SQLTx writes the rows the Tx still holds back and returns its
	// transaction. Statements run on it commit or roll back with the
	// load's. It must not be committed or rolled back directly.
	SQLTx(ctx context.Context) (*sql.Tx, error)
}

// RunExcluder is a destination that can keep the runs of a pipeline out
// while the caller changes the pipeline's bookkeeping. pipe state reset
// calls ExcludeRuns once before it deletes cursors, so that a reset never
// interleaves with a run (a run that read the cursors before the reset
// would save them again after it); without it pipe state reset refuses
// to run.
type RunExcluder interface {
	// ExcludeRuns takes the run lock of pipeline exclusively and returns
	// the function that releases it. While it is held no run of the
	// pipeline reads its state or begins a load: they wait. When a run
	// holds the lock, ExcludeRuns returns an error wrapping
	// ErrRunInProgress at once if wait is false, else it waits until the
	// run ends or ctx is done.
	ExcludeRuns(ctx context.Context, pipeline string, wait bool) (release func() error, err error)
}

// RowCounter is a Tx that counts what its writes did to each table's
// rows. The engine's writer asks each Tx after its Commit succeeded and
// sums the counts of a load's transactions into its report (pipe run's
// summary); without it the summary gives rows written only.
type RowCounter interface {
	// RowCounts returns the counts per table of the writes of this Tx.
	RowCounts() map[string]RowCounts
}

// Encoder is a destination that turns a table's rows into the values it
// binds or copies ahead of Tx.Write, on any goroutine. The engine calls
// EncodeRows on the goroutine that normalized a page, with the table
// schema the writer last fitted, so that the writer goroutine, the
// serial part of a load, does not encode; it passes the result on in
// TableRows.Encoded when the page's rows fit that schema unchanged.
// Without it the destination encodes in Write.
type Encoder interface {
	// EncodeRows encodes rows, written under d, for t. It must be safe
	// for concurrent use, keep neither rows nor their maps (only their
	// values), and fail, not guess, on a value t's column cannot hold:
	// the caller then lets Write encode and report the error.
	EncodeRows(t *schema.Table, rows []schema.Row, d Disposition) (any, error)
}

// ErrTooWide is wrapped by the error of a table wider than the
// destination holds: more columns, or a row larger, than it allows.
var ErrTooWide = errors.New("table wider than the destination holds")

// WidthChecker is a destination that limits how wide a table may be. The
// engine asks before it creates or widens a table, so that a record with
// too many fields fails naming the resource, the table and the fix,
// rather than in the database's own words at create, COPY or commit.
type WidthChecker interface {
	// CheckWidth returns an error wrapping ErrTooWide that says which
	// limit t passes, or nil.
	CheckWidth(t *schema.Table) error
}
