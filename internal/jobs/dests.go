package jobs

import (
	"context"
	"sync"

	"github.com/pipe-etl/pipe/destinations"
)

// dests keeps the destinations of loads that succeeded open for the
// next job of the same pipeline: a partition then starts on connections
// that are already open, whose session state (the Postgres destination's
// temporary COPY tables, prepared statements) is already built, instead
// of opening a pool, creating the dataset and those tables again. At
// most max stay idle; a destination whose load failed is closed, so that
// nothing a failure left behind (a run lock, a broken session) carries
// over.
type dests struct {
	mu   sync.Mutex
	idle map[string][]destinations.Destination
	n    int
	max  int
}

// get returns an idle destination of pipeline, or opens one.
func (d *dests) get(ctx context.Context, pipeline string, open func(context.Context) (destinations.Destination, error)) (destinations.Destination, error) {
	d.mu.Lock()
	if l := d.idle[pipeline]; len(l) > 0 {
		dest := l[len(l)-1]
		d.idle[pipeline] = l[:len(l)-1]
		d.n--
		d.mu.Unlock()
		return dest, nil
	}
	d.mu.Unlock()
	return open(ctx)
}

// put keeps dest for the next load of pipeline, or closes it when ok is
// false or enough are idle.
func (d *dests) put(pipeline string, dest destinations.Destination, ok bool) {
	d.mu.Lock()
	if ok && d.n < d.max {
		if d.idle == nil {
			d.idle = map[string][]destinations.Destination{}
		}
		d.idle[pipeline] = append(d.idle[pipeline], dest)
		d.n++
		d.mu.Unlock()
		return
	}
	d.mu.Unlock()
	_ = dest.Close()
}

// close closes every idle destination.
func (d *dests) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.idle {
		for _, dest := range l {
			_ = dest.Close()
		}
	}
	d.idle, d.n = nil, 0
}
