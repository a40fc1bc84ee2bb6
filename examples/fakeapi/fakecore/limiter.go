package fakecore

import (
	"sync"
	"time"
)

// Limiter counts requests per key in fixed one-minute windows that start
// with a key's first request; above the budget every request of the
// window is refused (the fakes answer 429).
type Limiter struct {
	now     func() time.Time
	mu      sync.Mutex
	windows map[string]*rateWindow
}

type rateWindow struct {
	start time.Time
	n     int
}

// NewLimiter returns a limiter reading the time from now.
func NewLimiter(now func() time.Time) *Limiter {
	return &Limiter{now: now, windows: map[string]*rateWindow{}}
}

// Take counts one request for key and reports whether it is within
// budget, and if not, how long until the window ends.
func (l *Limiter) Take(key string, budget int) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	win := l.windows[key]
	if win == nil || now.Sub(win.start) >= time.Minute {
		win = &rateWindow{start: now}
		l.windows[key] = win
	}
	win.n++
	if win.n <= budget {
		return true, 0
	}
	return false, win.start.Add(time.Minute).Sub(now)
}
