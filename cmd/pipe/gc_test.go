package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// gcSettings returns the collector's GOGC and memory limit.
func gcSettings() (percent int, limit int64) {
	percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

func restoreGC(t *testing.T) {
	p, l := gcSettings()
	t.Cleanup(func() {
		debug.SetGCPercent(p)
		debug.SetMemoryLimit(l)
	})
}

// TestTuneGCHonoursEnvironment leaves Go's settings alone when GOGC or
// GOMEMLIMIT is set.
func TestTuneGCHonoursEnvironment(t *testing.T) {
	restoreGC(t)
	for _, name := range []string{"GOGC", "GOMEMLIMIT"} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		tuneGC(func(k string) string {
			if k == name {
				return "200"
			}
			return ""
		})
		if p, l := gcSettings(); p != 100 || l != math.MaxInt64 {
			t.Errorf("%s set: GOGC %d, limit %d; want Go's own", name, p, l)
		}
	}
}

// TestTuneGC sets GOGC and the soft limit, keeps them across collections
// of a small heap, and gives them up for Go's defaults once the live heap
// is over half the limit.
func TestTuneGC(t *testing.T) {
	restoreGC(t)
	tuneGC(func(string) string { return "" })
	if p, l := gcSettings(); p != gcPercent || l != memoryLimit {
		t.Fatalf("GOGC %d, limit %d; want %d, %d", p, l, gcPercent, memoryLimit)
	}
	for range 5 {
		runtime.GC()
		runtime.Gosched()
	}
	if p, l := gcSettings(); p != gcPercent || l != memoryLimit {
		t.Fatalf("after collections of a small heap: GOGC %d, limit %d; want %d, %d", p, l, gcPercent, memoryLimit)
	}
	live := make([][]byte, 0, 48)
	for range 48 { // 48 MiB live, over half the limit
		live = append(live, make([]byte, 1<<20))
	}
	for i := 0; i < 1000; i++ { // until the finalizer has run after a collection
		if p, _ := gcSettings(); p == 100 {
			break
		}
		runtime.GC()
		runtime.Gosched()
	}
	if p, l := gcSettings(); p != 100 || l != math.MaxInt64 {
		t.Fatalf("with %d MiB live: GOGC %d, limit %d; want Go's defaults", len(live), p, l)
	}
	runtime.KeepAlive(live)
}
