// Package state holds incremental cursors and load bookkeeping, kept per
// resource and per parent record. It does no I/O; destinations persist it
// in _pipe_state within the load's transaction.
package state

// Key identifies one cursor: a resource, and for child resources the
// parent record it belongs to ("" for root resources).
type Key struct {
	Resource  string
	ParentKey string
}

// Entry is one persisted cursor value.
type Entry struct {
	Key
	Cursor string // the last committed cursor value, as text
}
