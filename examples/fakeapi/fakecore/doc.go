// Package fakecore holds the plumbing the vendor fakes of
// examples/fakeapi share: a settable clock, per-key rate-limit
// windows, and the hash that makes their data deterministic.
package fakecore
