package destinations

import (
	"time"
)

// Names of the bookkeeping tables every destination keeps beside the
// data tables.
const (
	LoadsTable  = "_pipe_loads"
	StateTable  = "_pipe_state"
	SchemaTable = "_pipe_schema"
)

// The statuses of a load in _pipe_loads.
const (
	// StatusRunning is the LoadStatus.Status of a checkpoint: the load
	// goes on after the Commit. Any other status ends the load.
	StatusRunning = "running"
	// StatusCompleted ends a load that loaded everything.
	StatusCompleted = "completed"
	// StatusFailed ends a load that stopped on an error; LoadStatus.Error
	// says which.
	StatusFailed = "failed"
	// StatusInterrupted is set by a destination, never by the engine, on
	// a load left running by a process that ended without finishing it
	// (killed, crashed, lost its machine). A destination marks a load
	// interrupted only when it can prove that no process still runs it;
	// see the implementation's documentation for how.
	StatusInterrupted = "interrupted"
)

// LoadRecord is one row of _pipe_loads: a run of a pipeline.
type LoadRecord struct {
	ID       string
	Pipeline string
	Status   string // one of the Status constants
	Started  time.Time
	Finished time.Time // zero while running, or after a crash
	Rows     map[string]int64
	// Error is why the load failed, or for an interrupted load what
	// found it so; empty otherwise.
	Error string
}
