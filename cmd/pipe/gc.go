package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// A load allocates a page buffer, rows and encoded values for every page
// while its live heap stays small (12 MB for the benchmark's 100k
// issues): with Go's default GOGC=100 the collector ran every 12 MB
// allocated, 70 times in that load, its marking about 9% of pipe's CPU
// time. pipe lets the heap grow to 5× its live size instead (GOGC=400)
// within a soft memory limit of 64 MiB, and gives both up for Go's
// defaults once the live heap is so large that the limit would make the
// collector run more often than Go's default would. GOGC or GOMEMLIMIT in
// the environment leave Go's settings as they say.
const (
	gcPercent   = 400
	memoryLimit = 64 << 20
)

// tuneGC applies pipe's collector settings unless getenv has GOGC or
// GOMEMLIMIT.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(memoryLimit)
	watchLiveHeap()
}

// watchLiveHeap checks the live heap after every collection, from a
// finalizer of an object that each check allocates anew. Under the limit
// the heap may grow to memoryLimit at most, which is less than Go's
// default of twice the live heap once that is over half the limit: then
// the defaults come back (and the watch ends).
func watchLiveHeap() {
	runtime.SetFinalizer(new(gcCycle), func(*gcCycle) {
		if liveHeap() > memoryLimit/2 {
			debug.SetMemoryLimit(math.MaxInt64)
			debug.SetGCPercent(100)
			return
		}
		watchLiveHeap()
	})
}

// gcCycle is allocated for the finalizer that runs after a collection.
type gcCycle struct{ _ *byte } // a pointer keeps it out of the tiny allocator, whose objects may never be finalized

// liveHeap returns the bytes of heap objects the last collection marked.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
