package sqlload

import (
	"fmt"
	"testing"
)

// TestIDFilter adds ids across several stages and checks that every id
// added is found and that ids never added are (nearly) never found.
func TestIDFilter(t *testing.T) {
	f := newIDFilter()
	defer SetFilterSize(filterFirstStage, 3)()
	const n = 300_000 // three stages
	for i := 0; i < n; i++ {
		if !f.room(1) {
			t.Fatalf("no room after %d ids", i)
		}
		f.add(fmt.Sprintf("%032x", i))
	}
	if len(f.stages) != 3 {
		t.Errorf("%d stages for %d ids, want 3", len(f.stages), n)
	}
	if max := 7 * filterFirstStage; !f.room(max-n) || f.room(max-n+1) {
		t.Errorf("room for %d more ids: %v, for %d: %v; want true, false", max-n, f.room(max-n), max-n+1, f.room(max-n+1))
	}
	for i := 0; i < n; i++ {
		if id := fmt.Sprintf("%032x", i); !f.mayContain(id) {
			t.Fatalf("id %s added but not found", id)
		}
	}
	fp := 0
	for i := n; i < 4*n; i++ {
		if f.mayContain(fmt.Sprintf("%032x", i)) {
			fp++
		}
	}
	// Measured rates are below 2e-7 per stage: 900k lookups of three
	// stages expect about half a false positive. Seeds are random, so
	// allow a few; a filter ten times worse would find about five.
	if fp > 4 {
		t.Errorf("%d false positives in %d lookups", fp, 3*n)
	}
}

func TestIDFilterEmpty(t *testing.T) {
	if newIDFilter().mayContain("x") {
		t.Error("empty filter contains x")
	}
}

func BenchmarkIDFilter(b *testing.B) {
	f := newIDFilter()
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = fmt.Sprintf("%032x", i*7919)
		f.add(ids[i])
	}
	i := 0
	for b.Loop() {
		f.mayContain(ids[i&(len(ids)-1)])
		i++
	}
}
