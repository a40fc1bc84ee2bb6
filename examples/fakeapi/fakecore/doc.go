// Package fakecore holds the plumbing the vendor fakes of
// examples/fakeapi share: the Router they register their routes on
// (counting, latency, injected faults and rate limits, each answered
// through the vendor's own error writer), a settable clock, per-key
// rate-limit windows, the hash that makes their data deterministic,
// the package catalog their data is drawn from, and the check of their
// records against the real APIs' response samples (MissingKeys).
package fakecore
