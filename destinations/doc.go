// Package destinations defines where pipe loads data: the contract
// (Destination, Tx, Batch, Load, the write dispositions, the errors) and
// the optional abilities a destination may have, each a small named
// interface the engine or the CLI looks for with a type assertion.
//
// The engine owns one Destination per run and calls it from a single
// writer goroutine: no method is called concurrently with another.
//
// The generic SQL loader that the SQLite and Postgres destinations share
// lives in destinations/sqlload; destinations/desttest is the
// conformance suite every destination passes.
//
// # Adding a database
//
//  1. For a SQL database with a database/sql driver, implement
//     sqlload.Dialect in destinations/<db> (quoting, column types, value
//     encoding, ON CONFLICT, widening, table swap, bulk insert) and return
//     sqlload.NewSQL(db, dialect, log) from an Open function; add the
//     dialect's optional abilities (sqlload.KeyDeferrer, sqlload.TxHooks,
//     sqlload.RunLocker, ...) where the database rewards them. For
//     anything else, implement Destination and Tx directly, keeping the
//     bookkeeping tables (LoadsTable, StateTable, SchemaTable) and the
//     load statuses as documented here.
//  2. Implement the optional abilities that apply (Widener, IdentLimiter,
//     LoadLister, AdvisoryLocker), with a compile-time guard beside each:
//     var _ destinations.Widener = (*X)(nil).
//  3. Run the conformance suite from the package's tests:
//     desttest.Run(t, desttest.Target{...}) against a real server or
//     file, skipped when the server is not configured.
//  4. Add the URL scheme to the composition root, the switch in
//     internal/cli/dest.go (no init() registration).
//  5. Document the scheme and type mapping in the README's Destinations
//     section.
package destinations
