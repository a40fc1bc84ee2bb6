// Package desttest is the conformance suite every pipe destination passes:
// the SQLite and Postgres packages run it from their tests against a real
// database.
//
// The suite drives a Destination the way the engine does, one writer
// goroutine, and checks what landed with plain SQL through a second
// connection pool.
package desttest

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations"
)

// Target is one fresh, empty database under test.
type Target struct {
	// Dest is the destination under test. The suite closes it only in
	// cases that reopen the database; open must close it at cleanup
	// (closing twice must be harmless).
	Dest destinations.Destination
	// DB is a separate connection pool to the same database, where
	// unqualified table names resolve to the destination's tables (on
	// Postgres, search_path is the dataset). The suite reads with it.
	DB *sqlx.DB
	// Reopen opens the same database as a new Destination, as a restarted
	// process would. The suite closes what it returns.
	Reopen func(t *testing.T) destinations.Destination
	// TimePrecision is the finest timestamp precision kept: time.Nanosecond
	// for SQLite, time.Microsecond for Postgres.
	TimePrecision time.Duration
	// HasIndex reports whether table has an index named index; nil skips
	// the cases that need it.
	HasIndex func(t *testing.T, table, index string) bool
}

// Run runs every case of the suite as a subtest, each on a fresh Target
// from open, which registers its own cleanup.
func Run(t *testing.T, open func(t *testing.T) Target) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, open(t))
		})
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, tg Target)
}{
	{"TypesRoundTrip", testTypesRoundTrip},
	{"TimeFinerThanKept", testTimeFinerThanKept},
	{"NewColumns", testNewColumns},
	{"Widening", testWidening},
	{"WideningKeepsIntegersExact", testWideningKeepsIntegersExact},
	{"Decimals", testDecimals},
	{"VariantColumn", testVariantColumn},
	{"Merge", testMerge},
	{"MergeWithinLoad", testMergeWithinLoad},
	{"MergeAgainInLoad", testMergeAgainInLoad},
	{"ReplaceAgainInLoad", testReplaceAgainInLoad},
	{"MergeKeyGroups", testMergeKeyGroups},
	{"FormerIDs", testFormerIDs},
	{"ForeignTable", testForeignTable},
	{"CountsMerge", testCountsMerge},
	{"CountsAppend", testCountsAppend},
	{"MergeUnchanged", testMergeUnchanged},
	{"MergeOneChanged", testMergeOneChanged},
	{"MergeChildListChanged", testMergeChildListChanged},
	{"MergeSettingsChanged", testMergeSettingsChanged},
	{"MergeWithinLoadChanges", testMergeWithinLoadChanges},
	{"MergeHashUpgrade", testMergeHashUpgrade},
	{"AppendAfterMerge", testAppendAfterMerge},
	{"MergeSameShape", testMergeSameShape},
	{"MergeChildTablesUnchanged", testMergeChildTablesUnchanged},
	{"RootIndex", testRootIndex},
	{"OriginConflict", testOriginConflict},
	{"OriginKept", testOriginKept},
	{"AppendWithinLoad", testAppendWithinLoad},
	{"KeysAfterCrash", testKeysAfterCrash},
	{"WidenNewTable", testWidenNewTable},
	{"RepeatInOneTx", testRepeatInOneTx},
	{"AppendIdempotent", testAppendIdempotent},
	{"ReplaceAtomic", testReplaceAtomic},
	{"ReplaceLeftoverStaging", testReplaceLeftoverStaging},
	{"ReplaceEvolvesStaging", testReplaceEvolvesStaging},
	{"State", testState},
	{"ClearState", testClearState},
	{"RollbackLeavesNothing", testRollbackLeavesNothing},
	{"CheckpointThenCrash", testCheckpointThenCrash},
	{"LoadRecord", testLoadRecord},
	{"LoadError", testLoadError},
	{"LoadsMigration", testLoadsMigration},
	{"Interrupted", testInterrupted},
	{"OneTxAtATime", testOneTxAtATime},
	{"LargeBatch", testLargeBatch},
	{"Errors", testErrors},
	{"LongNames", testLongNames},
}

// ctx is the context of a test: cancelled when the test ends.
func ctx(t *testing.T) context.Context { return t.Context() }
