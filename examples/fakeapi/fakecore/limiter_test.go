package fakecore

import (
	"testing"
	"time"
)

func TestLimiterWindows(t *testing.T) {
	clk := NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	l := NewLimiter(clk.Now)
	steps := []struct {
		advance time.Duration
		key     string
		ok      bool
		wait    time.Duration
	}{
		{0, "a", true, 0},
		{10 * time.Second, "a", true, 0},
		{5 * time.Second, "a", false, 45 * time.Second}, // third in the window opened at 0s
		{0, "b", true, 0},                               // keys have windows of their own
		{45 * time.Second, "a", true, 0},                // the window ended: a new one
		{59 * time.Second, "a", true, 0},
		{0, "a", false, time.Second},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		ok, wait := l.Take(s.key, 2)
		if ok != s.ok || wait != s.wait {
			t.Errorf("step %d: Take(%q) = %v, %v; want %v, %v", i, s.key, ok, wait, s.ok, s.wait)
		}
	}
}
