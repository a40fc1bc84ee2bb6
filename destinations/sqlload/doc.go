// Package sqlload is the generic SQL loader on sqlx that the SQLite and
// Postgres destinations share: SQL implements destinations.Destination
// over a Dialect, which says what differs between databases (quoting,
// types, value encoding, conflicts, widening, bulk insert). It writes
// batches under their disposition, stages replace loads, merges, defers
// the keys of new tables to the end of a load, and keeps the bookkeeping
// tables _pipe_loads, _pipe_state and _pipe_schema.
//
// A database package (destinations/sqlite, destinations/postgres)
// implements Dialect and the optional Dialect abilities that pay off for
// it (KeyDeferrer, IndexBuilder, ConnInserterMaker, TxHooks, RunLocker),
// and returns NewSQL from its Open.
package sqlload
