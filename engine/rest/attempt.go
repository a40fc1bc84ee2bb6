package rest

import (
	"context"
	"time"
)

// Attempt is one HTTP attempt of a request, as Call.Observed is told of
// it: for progress counts and pipe run --sample.
type Attempt struct {
	Method string
	URL    string // redacted, as in errors
	// Number is 1 for a request's first attempt, 2 for its first retry.
	Number int
	// Status is the response's status code, 0 when none came.
	Status int
	// Duration runs from sending the request until its body was read
	// (rate limit waits excluded).
	Duration time.Duration
}

// Failed reports whether the attempt got no response or an error status.
func (a Attempt) Failed() bool { return a.Status == 0 || a.Status >= 400 }

// observe tells call.Observed about an attempt, unless the chain's
// context ended (a prefetch its consumer no longer wants).
func (call Call) observe(ctx context.Context, a Attempt) {
	if call.Observed != nil && ctx.Err() == nil {
		call.Observed(a)
	}
}
