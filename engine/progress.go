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
	mu        *sync.Mutex
	last      map[string]int64
	lastWait  map[string]time.Duration
	shownDone map[string]bool
}

// start begins reporting stats (guarded by mu) to w until the returned
// stop is called; stop prints a last line per resource.
func (p *progress) start(w io.Writer, stats map[string]*ResourceStats, mu *sync.Mutex) (stop func()) {
	if w == nil {
		return func() {}
	}
	p.mu, p.last, p.lastWait, p.shownDone = mu, map[string]int64{}, map[string]time.Duration{}, map[string]bool{}
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
		waiting := s.RateWait > p.lastWait[n]
		if p.shownDone[n] || s.Pages == p.last[n] && !waiting && !s.Done && !final {
			continue
		}
		p.last[n], p.lastWait[n] = s.Pages, s.RateWait
		p.shownDone[n] = s.Done || final
		state := "running"
		switch {
		case s.Done:
			state = "done"
		case final:
			state = "stopped"
		case waiting:
			state = "waiting for rate limit"
		}
		fmt.Fprintf(w, "%s: %s, %d request chains, %d pages, %d records, %d rows, %.0f rows/s%s\n",
			n, state, s.Chains, s.Pages, s.Records, s.Rows, float64(s.Rows)/max(secs, 0.001), waitText(s.RateWait))
	}
}

// waitText reports time spent waiting for rate limits, if any.
func waitText(d time.Duration) string {
	if d < time.Millisecond {
		return ""
	}
	return fmt.Sprintf(", %s waiting for rate limit", d.Round(time.Millisecond))
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
