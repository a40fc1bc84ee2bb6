package engine

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// pool runs request chains on at most n goroutines. When every goroutine
// is busy, submit runs the work on the caller's goroutine instead of
// queueing it: a parent chain that discovers children faster than they
// complete slows down rather than piling up work, and no chain ever waits
// for a slot held by a chain that is waiting for it (no deadlock).
type pool struct {
	ctx  context.Context
	g    *errgroup.Group
	slot chan struct{}
}

func newPool(ctx context.Context, n int) *pool {
	g, ctx := errgroup.WithContext(ctx)
	return &pool{ctx: ctx, g: g, slot: make(chan struct{}, n)}
}

// submit runs fn on a free goroutine, or on the caller's when none is free.
// An error from inline work is returned; one from a goroutine ends the
// pool's context and is returned by wait.
func (p *pool) submit(fn func(context.Context) error) error {
	select {
	case p.slot <- struct{}{}:
		p.g.Go(func() error {
			defer func() { <-p.slot }()
			return fn(p.ctx)
		})
		return nil
	default:
		return fn(p.ctx)
	}
}

// wait waits for every goroutine and returns the first error.
func (p *pool) wait() error { return p.g.Wait() }
