package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestWriteIncremental checks the verdict of (g): the median, over runs,
// of what the 1% run costs beyond the no-op run, in units of 1% of the
// first load, for wall and CPU time, against incrementalMax; that the
// table shows the runs' page faults; and the change sweep's table.
func TestWriteIncremental(t *testing.T) {
	s := func(wall, cpu time.Duration) sample {
		return sample{usage: usage{Wall: wall, CPU: cpu, Faults: 2000}, Records: 1000, Rows: 7000}
	}
	for _, tt := range []struct {
		name  string
		again []sample
		ok    bool
		want  string
	}{
		// first load 10 s: 1% of it is 100 ms; the no-op run takes 500 ms.
		{"proportional", []sample{s(650*time.Millisecond, 650*time.Millisecond), s(700*time.Millisecond, 600*time.Millisecond),
			s(900*time.Millisecond, 600*time.Millisecond)}, true, "plus 2.00× (wall) and 1.00× (CPU)"},
		{"CPU beyond", []sample{s(600*time.Millisecond, 800*time.Millisecond), s(600*time.Millisecond, 800*time.Millisecond),
			s(600*time.Millisecond, 800*time.Millisecond)}, false, "plus 1.00× (wall) and 3.00× (CPU)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			first, noop := s(10*time.Second, 10*time.Second), s(500*time.Millisecond, 500*time.Millisecond)
			r := &rerunRun{title: "(g) test", first: []sample{first, first, first}, noop: []sample{noop, noop, noop},
				again: tt.again, requests: []int64{13, 13, 13}, noopRequests: []int64{4, 4, 4},
				changes: []changesPoint{{changes: 40, run: s(700*time.Millisecond, 0), noop: noop}}}
			var b bytes.Buffer
			if ok := writeIncremental(&b, r); ok != tt.ok {
				t.Errorf("verdict %v, want %v:\n%s", ok, tt.ok, b.String())
			}
			// The change sweep: 200 ms beyond the no-op run for 40 issues
			// is 5 ms each, half of the first load's 10 ms per issue.
			for _, want := range []string{tt.want, "| 2000 / 2000 |", "| 40 | 700ms | 500ms | 200ms | 5.00 ms | 0.5× |", "(10000 µs)"} {
				if !strings.Contains(b.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, b.String())
				}
			}
		})
	}
}
