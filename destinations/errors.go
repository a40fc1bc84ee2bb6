package destinations

import "errors"

// Errors a Destination returns, wrapped with the table or statement they
// concern. Classify them with errors.Is.
var (
	// ErrTxOpen means Begin was called while another Tx of the same
	// Destination was still open.
	ErrTxOpen = errors.New("a transaction is already open")
	// ErrTxDone means a Tx method other than Rollback was called after
	// Commit or Rollback.
	ErrTxDone = errors.New("transaction already committed or rolled back")
	// ErrIdentifierTooLong means a table or column name is longer than the
	// database allows. The engine shortens names; this is the guard.
	ErrIdentifierTooLong = errors.New("identifier too long")
	// ErrUnknownTable means Write or FinishReplace named a table that no
	// EnsureTable created.
	ErrUnknownTable = errors.New("unknown table")
	// ErrUnknownColumn means a row holds a column its table does not have.
	ErrUnknownColumn = errors.New("unknown column")
	// ErrTypeChange means a column's type changed in a way the type lattice
	// does not allow (the engine should have added a variant column), or a
	// value does not fit its column's type.
	ErrTypeChange = errors.New("incompatible type")
	// ErrForeignTable means a table the load would create exists and was
	// not made by pipe (it has no _pipe_id column): another program's,
	// which pipe does not change.
	ErrForeignTable = errors.New("table made by another program")
	// ErrRunInProgress means a run of the pipeline holds its run lock
	// (see RunExcluder).
	ErrRunInProgress = errors.New("a run of the pipeline is in progress")
	// ErrInexact means a value cannot be stored exactly in its column's
	// type by this database (a timestamp finer than Postgres keeps).
	ErrInexact = errors.New("value cannot be stored exactly")
	// ErrMissingID means a row has no _pipe_id.
	ErrMissingID = errors.New("row without " + "_pipe_id")
)

// OriginConflict is the error of a write that got, within one load, a
// root _pipe_id the load had already met from another parent record or
// list item (see Batch.Origin): the primary key does not tell the two
// records apart, and the row could keep only one of them.
type OriginConflict struct {
	Table   string
	ID      string   // the root row's _pipe_id
	Columns []string // Batch.Origin
	Before  []any    // the origin values the load met first, by Columns
	Now     []any    // the batch's
}

func (e *OriginConflict) Error() string {
	return "table " + quote(e.Table) + ": _pipe_id " + quote(e.ID) + " came from two parent records or list items in one load (" +
		describeOrigin(e.Columns, e.Before) + ", then " + describeOrigin(e.Columns, e.Now) + ")"
}
