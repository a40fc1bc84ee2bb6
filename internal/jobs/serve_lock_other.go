//go:build !unix

package jobs

import "errors"

// ErrServing is why LockServe fails when another pipe serve works the
// queue.
var ErrServing = errors.New("another pipe serve works this queue")

// LockServe fails where flock(2) is missing: without it a job left
// running by a killed pipe serve could not be told from a live one.
func LockServe(string) (func() error, error) {
	return nil, errors.New("pipe serve needs flock(2), which this system lacks")
}
