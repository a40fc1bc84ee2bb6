package jobs

import (
	"github.com/riverqueue/river"
)

// Target is what a run loads: a spec and the flags that shape its plan.
// It travels in job arguments, so workers need neither the spec file
// nor the submitter's flags; it holds no secret (workers read secrets
// from their own environment and stores).
type Target struct {
	// Spec names the spec as submitted (a file or a shipped name).
	Spec string `json:"spec"`
	// YAML is the spec's text.
	YAML      string   `json:"yaml"`
	Vars      []string `json:"vars,omitempty"`
	BaseURL   string   `json:"base_url,omitempty"`
	Resources []string `json:"resources,omitempty"`
	// Batch is how many parent records (or list items) a partition
	// loads; 0 for DefaultBatch.
	Batch int `json:"batch,omitempty"`
	// Dest is the SQLite file a run of the embedded queue (pipe serve)
	// loads into; empty for the queue's own database.
	Dest string `json:"dest,omitempty"`
}

// DefaultBatch is the partition size when a Target does not set one.
const DefaultBatch = 10

// RunArgs is the job that starts a run of a Target (see the package
// documentation).
type RunArgs struct {
	Target Target `json:"target"`
	// Schedule names the periodic schedule that inserted the job; empty
	// for a run submitted once.
	Schedule string `json:"schedule,omitempty"`
}

// Kind is the River job kind of RunArgs.
func (RunArgs) Kind() string { return "pipe_run" }

// PartitionArgs is the job that loads one partition of a run.
type PartitionArgs struct {
	// RunID is the id of the run's RunArgs job.
	RunID int64 `json:"run_id"`
	// Index counts partitions from 1 (loaded by the run job itself) to
	// Total.
	Index  int    `json:"index"`
	Total  int    `json:"total"`
	Target Target `json:"target"`
	// Root is the resource the run is partitioned on.
	Root string `json:"root"`
	// Records are the partition's records of Root, each the raw JSON
	// the API sent (strings, so that jsonb does not reorder them); Items
	// the items of Root's list variable instead.
	Records []string `json:"records,omitempty"`
	Items   []string `json:"items,omitempty"`
}

// Kind is the River job kind of PartitionArgs.
func (PartitionArgs) Kind() string { return "pipe_partition" }

var (
	_ river.JobArgs = RunArgs{}
	_ river.JobArgs = PartitionArgs{}
)
