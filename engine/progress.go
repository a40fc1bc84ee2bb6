package engine

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/pipe-etl/pipe/engine/spec"
)

// How often progress is shown: lines appended to a log or a pipe, or
// lines redrawn in place on a terminal.
const (
	progressEvery = 2 * time.Second
	redrawEvery   = 250 * time.Millisecond
)

// progress shows how each resource is doing while a run goes on. Plain,
// it prints a line per resource whose counts changed, periodically.
// Redrawing, it keeps one line per resource and an elapsed-time line on
// the screen and rewrites them in place (ANSI cursor up, clear line).
type progress struct {
	mu     *sync.Mutex
	redraw bool
	drawn  int // lines on the screen from the last redraw
	last   map[string]ResourceStats
	shown  map[string]bool // final line printed (plain)
}

// start begins reporting stats (guarded by mu) to w until the returned
// stop is called; stop shows the final state of every resource.
func (p *progress) start(w io.Writer, redraw bool, stats map[string]*ResourceStats, mu *sync.Mutex) (stop func()) {
	if w == nil {
		return func() {}
	}
	p.mu, p.redraw, p.last, p.shown = mu, redraw, map[string]ResourceStats{}, map[string]bool{}
	began := time.Now()
	every := progressEvery
	if redraw {
		every = redrawEvery
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				p.print(w, stats, began, now, false)
			case <-done:
				p.print(w, stats, began, time.Now(), true)
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (p *progress) print(w io.Writer, stats map[string]*ResourceStats, began, now time.Time, final bool) {
	p.mu.Lock()
	names := make([]string, 0, len(stats))
	for n := range stats {
		names = append(names, n)
	}
	sort.Strings(names)
	var lines []string
	if p.redraw {
		lines = append(lines, fmt.Sprintf("pipe: %s elapsed", fmtDuration(now.Sub(began))))
	}
	for _, n := range names {
		s := stats[n]
		if !p.redraw && !p.changed(n, s, final) {
			continue
		}
		p.last[n] = *s
		p.shown[n] = s.Done || final
		lines = append(lines, progressLine(n, s, now, final))
	}
	p.mu.Unlock()

	var b strings.Builder
	if p.redraw && p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn) // back to the first line drawn
	}
	for _, l := range lines {
		if p.redraw {
			b.WriteString("\x1b[2K") // clear what the line showed before
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	p.drawn = len(lines)
	_, _ = io.WriteString(w, b.String())
}

// changed reports whether a plain progress line is due for resource n:
// its counts moved, it is waiting for a rate limit, it just finished, or
// the run ends. A finished resource is shown once.
func (p *progress) changed(n string, s *ResourceStats, final bool) bool {
	if p.shown[n] {
		return false
	}
	last, seen := p.last[n]
	return final || s.Done || s.waiting > 0 || !seen && s.Requests > 0 ||
		s.Pages != last.Pages || s.Requests != last.Requests || s.Errors != last.Errors
}

// progressLine describes one resource, e.g.
//
//	issues: running 31s, 120 pages, 12000 records, 12000 rows (387 rows/s), 121 requests, 1 retry, 1 error, 4s waiting for rate limit, page 120 of 160, ETA 10s
//	issues: running 31s, ..., 30 of 40 request chains done, ETA 10s
func progressLine(name string, s *ResourceStats, now time.Time, final bool) string {
	state := "running"
	switch {
	case s.Done:
		state = "done"
	case final:
		state = "stopped"
	case s.waiting > 0:
		state = "waiting for rate limit"
	case s.Requests == 0 && s.Chains == 0:
		state = "queued"
	}
	var ran time.Duration
	if !s.Started.IsZero() {
		end := now
		if s.Done {
			end = s.Finished
		}
		ran = end.Sub(s.Started)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s, %d pages, %d records, %d rows (%.0f rows/s), %s",
		name, state, fmtDuration(ran), s.Pages, s.Records, s.Rows, float64(s.Rows)/max(ran.Seconds(), 0.001), plural(s.Requests, "request"))
	if s.Retries > 0 {
		b.WriteString(", " + plural(s.Retries, "retry"))
	}
	if s.Errors > 0 {
		b.WriteString(", " + plural(s.Errors, "error"))
	}
	if d := s.waitedAt(now); d >= time.Millisecond {
		fmt.Fprintf(&b, ", %s waiting for rate limit", fmtDuration(d))
	}
	switch {
	case s.Done || final:
	case s.ExpectedPages > s.Pages && s.Pages > 0:
		eta := time.Duration(float64(ran) / float64(s.Pages) * float64(s.ExpectedPages-s.Pages))
		fmt.Fprintf(&b, ", page %d of %d, ETA %s", s.Pages, s.ExpectedPages, fmtDuration(eta))
	case s.AllSubmitted && s.Submitted > 1 && s.Ended > 0 && s.Ended < s.Submitted:
		// A child's chains, one per parent record, are all known once
		// its parent completed: the ETA is from the chains left.
		eta := time.Duration(float64(ran) / float64(s.Ended) * float64(s.Submitted-s.Ended))
		fmt.Fprintf(&b, ", %d of %d request chains done, ETA %s", s.Ended, s.Submitted, fmtDuration(eta))
	}
	return b.String()
}

// fmtDuration rounds d for display: milliseconds below a second, tenths
// below a minute, whole seconds above.
func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(word, "y"))
	}
	return fmt.Sprintf("%d %ss", n, word)
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
