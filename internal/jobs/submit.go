package jobs

import (
	"context"
	"fmt"
)

// Submit enqueues a run and returns its id.
func (q *Queue) Submit(ctx context.Context, args RunArgs) (int64, error) {
	res, err := q.Client.Insert(ctx, args, nil)
	if err != nil {
		return 0, fmt.Errorf("queue: insert run: %w", err)
	}
	return res.Job.ID, nil
}
