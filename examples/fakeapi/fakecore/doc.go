// Package fakecore holds the plumbing the vendor fakes of
// examples/fakeapi share: a settable clock and per-key rate-limit
// windows.
package fakecore
