// Package state holds what a load keeps between runs and the rules that
// read it: incremental cursors per resource and per parent record (start
// values with lag, ordering, windows, the running largest value and the
// records loaded at it) and load ids. It does no I/O; destinations
// persist entries in _pipe_state within the load's transaction.
package state

// Key identifies one cursor: a resource, and for child resources the
// parent record it belongs to ("" for root resources).
type Key struct {
	Resource  string
	ParentKey string
}

// Entry is one persisted cursor.
type Entry struct {
	Key
	// Cursor is the persisted text of a Cursor (Cursor.String); a value
	// written before boundaries were kept is the plain cursor value.
	Cursor string
}
