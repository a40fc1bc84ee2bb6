package sqlload

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/engine/schema"
)

// Dialect is what the generic SQL loader (SQL) needs to know about one
// database. It is the contract between SQL and a database package such as
// destinations/sqlite or destinations/postgres.
//
// A Dialect is stateless and safe for concurrent use; state that lives for
// one transaction (cached statements, temporary tables) belongs to the
// Inserter it makes. SQL calls every method from its single writer
// goroutine, except Quote, Table and ColumnType, which are pure.
//
// Names passed to a Dialect are unquoted, unqualified and already checked
// against MaxIdentifierLen. Errors returned are wrapped by SQL with the
// table they concern.
type Dialect interface {
	// Name is a short lowercase name for errors and logs, e.g. "sqlite".
	Name() string
	// Quote quotes one identifier, e.g. issues -> "issues".
	Quote(name string) string
	// Table returns the quoted name of a table as it appears in
	// statements, qualified with the dataset where the database has one
	// (Postgres: "dataset"."issues").
	Table(name string) string
	// MaxIdentifierLen is the length in bytes of the longest identifier
	// the database keeps without truncating it.
	MaxIdentifierLen() int
	// MaxParams is the most bind parameters one statement may carry.
	MaxParams() int
	// Placeholder returns the bind placeholder of the n-th parameter of a
	// statement, counting from 1: "?" or "$n".
	Placeholder(n int) string
	// ColumnType returns the SQL type declared for a column of logical type t.
	ColumnType(t schema.Type) string
	// Encode converts v, a non-nil value already of t's Go type (bool,
	// int64, float64, string, time.Time in UTC, json.RawMessage), to the
	// value bound in statements or sent by bulk loads.
	Encode(t schema.Type, v any) (any, error)
	// OnConflict returns the clause that follows InsertInto(table) ...
	// VALUES or ... SELECT so that a row whose key columns match an
	// existing row is skipped (DoNothing) or overwrites the update
	// columns (DoUpdate) unless it equals the existing row in all of
	// them but _pipe_load_id, which the database must then neither write
	// nor count as changed (OnConflictClause does both). An empty update
	// list means DoNothing.
	OnConflict(key []string, action Conflict, update []string) string
	// ExistingColumns returns the column names of a table as the database
	// has them, and false if no such table exists. q is the open
	// transaction or the connection pool.
	ExistingColumns(ctx context.Context, q sqlx.QueryerContext, table string) ([]string, bool, error)
	// WidenColumns changes the declared types of ws in table, a data table
	// or staging table whose logical schema after the change is t
	// (t.Name is the data table's name). Every value is kept: bigint 42
	// becomes double 42 and text "42"; double 1.5 becomes text "1.5".
	// SQL only asks for the widenings bigint->double, bigint->text and
	// double->text. The Dialect may rebuild the table (SQLite) and must
	// then recreate what SQL made beside it: the primary key on _pipe_id
	// and the _pipe_root_id index (see RootIndexName).
	WidenColumns(ctx context.Context, tx *sqlx.Tx, table string, t *schema.Table, ws []Widening) error
	// SwapTable replaces table by staging within tx: afterwards only
	// table exists, holding staging's rows. Readers of other connections
	// see the old table or the new one, never a mix.
	SwapTable(ctx context.Context, tx *sqlx.Tx, table, staging string) error
	// NewInserter returns the bulk insert strategy for one transaction.
	// It is called at most once per Tx; the Inserter is dropped when the
	// Tx ends.
	NewInserter(tx *sqlx.Tx) Inserter
}

// Widening is one column whose type is widened along the lattice
// bigint -> double -> text.
type Widening struct {
	Column schema.Column // the column with its new type
	From   schema.Type
}

// Conflict says what an insert does with a row whose key already exists.
type Conflict int

// The conflict actions.
const (
	DoNothing Conflict = iota // keep the existing row (append)
	DoUpdate                  // overwrite the existing row (merge, replace)
	// Unkeyed inserts rows whose keys SQL knows to be new into a table
	// whose unique key on _pipe_id is not built yet (see KeyDeferrer):
	// no conflict clause at all.
	Unkeyed
)

// Insert is one bulk write into one table.
type Insert struct {
	Table    string          // unquoted name of the data or staging table
	Columns  []schema.Column // the columns written, in Row order
	Rows     [][]any         // values already passed through Dialect.Encode; nil is NULL
	Conflict Conflict        // on schema.ColID
	// Written is set by Inserter.Insert to how many of Rows it inserted
	// or updated: not those DoNothing skipped, nor those DoUpdate found
	// equal to the existing row (see OnConflictClause). Unkeyed rows are
	// all written.
	Written int64
}

// Inserter writes rows in bulk within one transaction. SQL makes one per
// Tx with Dialect.NewInserter and calls it from one goroutine.
type Inserter interface {
	// Insert writes ins.Rows into ins.Table. The rows' _pipe_id values are
	// distinct (SQL deduplicates a batch first).
	Insert(ctx context.Context, ins *Insert) error
	// Forget is called after the columns of table changed or the table
	// was dropped, renamed or rebuilt, so that nothing prepared for its
	// old shape is reused.
	Forget(table string)
	// Close releases what the Inserter holds. The transaction may already
	// be committed or rolled back.
	Close() error
}

// KeyDeferrer is an optional interface of a Dialect whose data tables
// may be created without their unique key on _pipe_id and get it at the
// end of the load that created them, when building it at once is much
// cheaper than maintaining it row by row. SQL then writes rows with new
// keys to such a table with Insert.Conflict Unkeyed, and builds the key
// early when a key may repeat. Without it, tables get their primary key
// at creation.
type KeyDeferrer interface {
	// AddKey makes _pipe_id the unique key of table, whose _pipe_id
	// values are distinct and not null. final says the load ends with
	// this transaction: mid-load, SQL needs a key that upserts can use
	// and that does not lock readers out of the table for the rest of
	// the transaction (a unique index); the final key may be the primary
	// key. SQL calls it with final false at most once and with final
	// true once per table; both must be safe to call again.
	AddKey(ctx context.Context, tx *sqlx.Tx, table string, final bool) error
	// HasKey reports whether table has its final key. SQL asks once per
	// table and destination about tables it did not create, to repair
	// one left without its key by a load that crashed.
	HasKey(ctx context.Context, q sqlx.QueryerContext, table string) (bool, error)
}

// IndexBuilder is an optional interface of a Dialect that creates the
// _pipe_root_id index of child tables itself, for settings that bound
// what building it costs (SQLite sorts in memory as large as its page
// cache). Without it SQL runs CREATE INDEX IF NOT EXISTS.
type IndexBuilder interface {
	// CreateIndex creates the index named index on column of table,
	// unless it exists.
	CreateIndex(ctx context.Context, tx *sqlx.Tx, table, index, column string) error
}

// ConnInserterMaker is an optional interface of a Dialect: SQL then runs
// each transaction on a dedicated connection (as for a TxHooks) and
// makes its Inserter with NewConnInserter, giving it that connection as
// well, so that it may use the driver's connection directly
// (sqlx.Conn.Raw) rather than go through database/sql for every row.
// Such an Inserter must only use conn from the calls SQL makes to it,
// or from a goroutine an Insert starts that holds the driver connection
// (conn.Raw) from before Insert returns until it is done: database/sql
// runs every other statement of the transaction under that same lock, so
// they run after it. It must then be a Flusher that waits for that
// goroutine and returns its error, and Forget and Close must wait for it
// too. It must release what it prepared on conn in Forget and Close.
// Without it SQL calls NewInserter.
type ConnInserterMaker interface {
	NewConnInserter(conn *sqlx.Conn, tx *sqlx.Tx) Inserter
}

// Flusher is an optional interface of an Inserter that holds rows back
// to write them in fewer, larger statements. SQL calls Flush before it
// runs any other statement that reads or changes data tables (DDL,
// queries, deletes) and before Commit; rows are only certain to be
// written once Flush returns. Without it, Insert writes at once.
type Flusher interface {
	Flush(ctx context.Context) error
}

// TxHooks is an optional interface of a Dialect for settings that must be
// changed on the connection outside the transaction, such as SQLite's
// synchronous pragma. SQL then runs each Tx on a dedicated connection,
// calling BeforeBegin before BEGIN and AfterEnd after COMMIT or ROLLBACK.
// Without it SQL begins transactions on the pool.
type TxHooks interface {
	// BeforeBegin prepares conn for a load transaction. An error ends
	// Begin with that error.
	BeforeBegin(ctx context.Context, conn *sqlx.Conn) error
	// AfterEnd restores what BeforeBegin changed. On error SQL drops the
	// connection from the pool instead of reusing it.
	AfterEnd(ctx context.Context, conn *sqlx.Conn) error
}

// Explainer is an optional interface of a Dialect that adds to a
// database error what it means for a load and what to do (SQLite's
// "database is locked": which file, held by whom).
type Explainer interface {
	Explain(err error) error
}

// explain is d's Explain of err, or err.
func explain(d Dialect, err error) error {
	if e, ok := d.(Explainer); ok {
		return e.Explain(err)
	}
	return err
}

// CommitChecker is an optional interface of a Dialect that checks, before
// each commit of a load, that what it commits into is still there:
// SQLite's file, which a cleanup job may delete while the load runs,
// SQLite writing on into the unlinked file. An error rolls the
// transaction back and fails the load.
type CommitChecker interface {
	BeforeCommit(ctx context.Context) error
}

// MergeTuner is an optional interface of a Dialect with settings for a
// transaction of a load that merges many existing rows, whose reads land
// all over the tables' indexes, which are keyed by hashes: SQLite takes
// a larger page cache then. SQL calls BeforeMerge at most once per
// transaction, before the first merge once the load's merges have found
// MergeTuneRoots existing roots (a first load never does), and the
// setting lasts until the transaction ends (TxHooks.AfterEnd restores
// it). Without it merges run with the load's settings.
type MergeTuner interface {
	BeforeMerge(ctx context.Context, tx *sqlx.Tx) error
}

// MergeTuneRoots is how many existing roots a load merges before
// MergeTuner's settings apply. A smaller merge, such as an incremental
// run's few changed records spread over a large table, reads each index
// leaf a few times at most, so a larger cache saves few reads and costs
// the page faults of the memory it grows into: on the 2-core VM of
// README "Performance", merging 1,000 changed issues of 100k took 1.0–1.3
// CPU s with a 64 MiB cache against 0.65–1.0 with 16 MiB (under load),
// while re-merging all 100k took 16.6–17.5 against 18.9–22.0.
const MergeTuneRoots = 10_000
