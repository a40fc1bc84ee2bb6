package jobs

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// retryPolicy retries a failed job after 1s, 2s, 4s… up to maxRetryWait,
// with 20% jitter. Most failures of a partition are brief: two
// partitions adding the same new column at once (the second fails and
// finds it on its retry), or an API that is down for a moment. River's
// default (attempt⁴ seconds) would leave a run waiting minutes on its
// last partitions.
type retryPolicy struct{}

var _ river.ClientRetryPolicy = retryPolicy{}

// maxRetryWait bounds the wait before a retry.
const maxRetryWait = 10 * time.Minute

// NextRetry returns when job's next attempt may start.
func (retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	errs := max(len(job.Errors), 1)
	wait := maxRetryWait
	if errs < 20 {
		wait = min(time.Second<<(errs-1), maxRetryWait)
	}
	wait += time.Duration(rand.Float64() * 0.2 * float64(wait))
	return time.Now().Add(wait)
}
