package engine

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/pipe-etl/pipe/engine/spec"
)

// progressEvery is how often running resources report on the progress writer.
const progressEvery = 2 * time.Second

// progress prints a line per resource whose counts changed, periodically.
type progress struct {
	mu   *sync.Mutex
	last map[string]int64
}

// start begins reporting stats (guarded by mu) to w until the returned
// stop is called; stop prints a last line per resource.
func (p *progress) start(w io.Writer, stats map[string]*ResourceStats, mu *sync.Mutex) (stop func()) {
	if w == nil {
		return func() {}
	}
	p.mu, p.last = mu, map[string]int64{}
	began := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.print(w, stats, began, false)
			case <-done:
				p.print(w, stats, began, true)
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (p *progress) print(w io.Writer, stats map[string]*ResourceStats, began time.Time, final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := make([]string, 0, len(stats))
	for n := range stats {
		names = append(names, n)
	}
	sort.Strings(names)
	secs := time.Since(began).Seconds()
	for _, n := range names {
		s := stats[n]
		if s.Pages == p.last[n] && !final {
			continue
		}
		p.last[n] = s.Pages
		state := "running"
		if final {
			state = "done"
		}
		fmt.Fprintf(w, "%s: %s, %d request chains, %d pages, %d records, %d rows, %.0f rows/s\n",
			n, state, s.Chains, s.Pages, s.Records, s.Rows, float64(s.Rows)/max(secs, 0.001))
	}
}

// newLimiter turns a spec rate limit into a token bucket. The burst
// defaults to 1 so requests are spread evenly rather than sent in bursts.
func newLimiter(rl *spec.RateLimit) *rate.Limiter {
	per := rl.RequestsPerSecond
	if rl.RequestsPerMinute > 0 {
		per = rl.RequestsPerMinute / 60
	}
	burst := rl.Burst
	if burst <= 0 {
		burst = 1
	}
	return rate.NewLimiter(rate.Limit(per), burst)
}

func durationOf(d spec.Duration) time.Duration { return time.Duration(d) }
