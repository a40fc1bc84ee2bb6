package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// ScheduleInfo is a stored schedule as pipe jobs lists it.
type ScheduleInfo struct {
	Schedule
	// Last is the scheduled time of its latest run; zero if none.
	Last time.Time
	// Next is when it fires next (see Schedule.Next); zero if unknown.
	Next time.Time
}

// ScheduleInfos returns the stored schedules with their latest and next
// run times as of now.
func (q *Queue) ScheduleInfos(ctx context.Context, now time.Time) ([]ScheduleInfo, error) {
	ss, err := q.Schedules(ctx)
	if err != nil || len(ss) == 0 {
		return nil, err
	}
	runs, err := q.Client.JobList(ctx, river.NewJobListParams().Kinds(RunArgs{}.Kind()).OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(maxListed))
	if err != nil {
		return nil, fmt.Errorf("queue: list runs: %w", err)
	}
	last := map[string]time.Time{}
	for _, j := range runs.Jobs {
		var a struct {
			Schedule string `json:"schedule"`
		}
		if json.Unmarshal(j.EncodedArgs, &a) != nil || a.Schedule == "" {
			continue
		}
		if j.ScheduledAt.After(last[a.Schedule]) {
			last[a.Schedule] = j.ScheduledAt
		}
	}
	out := make([]ScheduleInfo, len(ss))
	for i, s := range ss {
		out[i] = ScheduleInfo{Schedule: s, Last: last[s.Name], Next: s.Next(now, last[s.Name])}
	}
	return out, nil
}
