package engine

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"
)

// pool runs request chains on at most n goroutines. Work submitted while
// every goroutine is busy waits in a queue of at most n, and a goroutine
// that finishes its work takes the next from the queue, so a slot never
// sits idle while work is ready. When the queue is full too, submit runs
// the work on the caller's goroutine: a parent chain that discovers
// children faster than they complete slows down rather than piling up
// work, and no chain ever waits for a slot held by a chain that is
// waiting for it (no deadlock). Before the queue, that inline run was the
// only overflow, and the slot that freed up meanwhile stayed idle until
// the caller submitted again (7.1 of 8 requests in flight on average in
// the fan-out benchmark).
type pool struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	g      errgroup.Group
	n      int

	mu      sync.Mutex
	running int                           // goroutines started and not ended
	queue   []func(context.Context) error // at most n
}

func newPool(ctx context.Context, n int) *pool {
	ctx, cancel := context.WithCancelCause(ctx)
	return &pool{ctx: ctx, cancel: cancel, n: max(n, 1)}
}

// submit runs fn on a free goroutine, queues it when none is free, or
// runs it on the caller's goroutine when the queue is full too. An error
// from inline work is returned; one from a goroutine ends the pool's
// context and is returned by wait.
func (p *pool) submit(fn func(context.Context) error) error {
	p.mu.Lock()
	switch {
	case p.running < p.n:
		p.running++
		p.mu.Unlock()
		p.g.Go(func() error { return p.work(fn) })
		return nil
	case len(p.queue) < p.n:
		p.queue = append(p.queue, fn)
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	return fn(p.ctx)
}

// work runs fn, then queued work until the queue is empty, and returns
// the first error (queued work after it runs under the ended context and
// ends at once). A queue that is not empty always has a goroutine that
// will drain it: work is queued only while every goroutine runs, and one
// ends only with the lock held and the queue empty.
func (p *pool) work(fn func(context.Context) error) error {
	var first error
	for {
		if err := fn(p.ctx); err != nil && first == nil {
			first = err
			p.cancel(err) // as errgroup.WithContext would, without waiting for the queue
		}
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.running--
			p.mu.Unlock()
			return first
		}
		fn = p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.mu.Unlock()
	}
}

// wait waits for every goroutine and returns the first error.
func (p *pool) wait() error {
	err := p.g.Wait()
	p.cancel(err)
	return err
}
