package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Run is a run as pipe jobs lists it: its RunArgs job and its
// partitions.
type Run struct {
	ID       int64
	Spec     string
	Schedule string
	State    rivertype.JobState
	Attempt  int
	Error    string // the last attempt's error, if any
	Created  time.Time
	// Total is how many partitions the run has once its job completed
	// (0 before).
	Total      int
	Partitions []Partition
	// Swap is the job that swaps the run's staged replace tables in,
	// once its last partition inserted it; nil before, and for runs
	// without staged resources.
	Swap *Swap
}

// Swap is the swap job of a run (see SwapArgs).
type Swap struct {
	ID      int64
	State   rivertype.JobState
	Attempt int
	Error   string
}

// Partition is one partition job of a run; the first partition is the
// run's job itself and is not listed.
type Partition struct {
	ID      int64
	Index   int
	State   rivertype.JobState
	Attempt int
	Error   string
}

// maxListed bounds the jobs Runs reads of each kind.
const maxListed = 10_000

// Runs returns the latest runs, newest first, at most limit, with their
// partitions.
func (q *Queue) Runs(ctx context.Context, limit int) ([]Run, error) {
	runs, err := q.Client.JobList(ctx, river.NewJobListParams().Kinds(RunArgs{}.Kind()).OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(limit))
	if err != nil {
		return nil, fmt.Errorf("queue: list runs: %w", err)
	}
	out := make([]Run, 0, len(runs.Jobs))
	byID := map[int64]*Run{}
	for _, j := range runs.Jobs {
		var a RunArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			return nil, fmt.Errorf("queue: run %d: %w", j.ID, err)
		}
		out = append(out, Run{ID: j.ID, Spec: a.Target.Spec, Schedule: a.Schedule, State: j.State, Attempt: j.Attempt, Error: lastError(j), Created: j.CreatedAt})
	}
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	if len(out) == 0 {
		return out, nil
	}
	parts, err := q.Client.JobList(ctx, river.NewJobListParams().Kinds(PartitionArgs{}.Kind()).OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(maxListed))
	if err != nil {
		return nil, fmt.Errorf("queue: list partitions: %w", err)
	}
	for _, j := range parts.Jobs {
		var a struct {
			RunID int64 `json:"run_id"`
			Index int   `json:"index"`
			Total int   `json:"total"`
		}
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			return nil, fmt.Errorf("queue: partition %d: %w", j.ID, err)
		}
		r, ok := byID[a.RunID]
		if !ok {
			continue
		}
		r.Total = a.Total
		r.Partitions = append(r.Partitions, Partition{ID: j.ID, Index: a.Index, State: j.State, Attempt: j.Attempt, Error: lastError(j)})
	}
	swaps, err := q.Client.JobList(ctx, river.NewJobListParams().Kinds(SwapArgs{}.Kind()).OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(maxListed))
	if err != nil {
		return nil, fmt.Errorf("queue: list swaps: %w", err)
	}
	for _, j := range swaps.Jobs {
		var a struct {
			RunID int64 `json:"run_id"`
		}
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			return nil, fmt.Errorf("queue: swap %d: %w", j.ID, err)
		}
		if r, ok := byID[a.RunID]; ok {
			r.Swap = &Swap{ID: j.ID, State: j.State, Attempt: j.Attempt, Error: lastError(j)}
		}
	}
	for i := range out {
		if out[i].Total == 0 && out[i].State == rivertype.JobStateCompleted {
			out[i].Total = 1
		}
		slices.SortFunc(out[i].Partitions, func(a, b Partition) int { return cmp.Compare(a.Index, b.Index) })
	}
	return out, nil
}

// lastError is the error of a job's latest failed attempt.
func lastError(j *rivertype.JobRow) string {
	if len(j.Errors) == 0 || j.State == rivertype.JobStateCompleted {
		return ""
	}
	return j.Errors[len(j.Errors)-1].Error
}
