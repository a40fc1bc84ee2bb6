package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseSummary(t *testing.T) {
	out := `load 20261122T150310Z-4fd0fa90 completed in 26.513s into /tmp/b.db
  issues                                       100000 rows
  issues__attributes__classes                   89980 rows
  issues__attributes__coordinates__representations     100000 rows
  total                                        735872 rows
`
	for _, c := range []struct {
		name, out, table string
		rows, total      int64
		ok               bool
	}{
		{"completed", out, "issues", 100000, 735872, true},
		{"child table", out, "issues__attributes__classes", 89980, 735872, true},
		{"absent table", out, "orgs", 0, 735872, true},
		{"failed", strings.Replace(out, "completed", "failed", 1), "issues", 100000, 735872, false},
		{"empty", "", "issues", 0, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, total, ok := parseSummary(c.out, c.table)
			if rows != c.rows || total != c.total || ok != c.ok {
				t.Errorf("parseSummary = %d, %d, %v; want %d, %d, %v", rows, total, ok, c.rows, c.total, c.ok)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{100_000: "100k", 1_000_000: "1M", 1500: "1500", 2000: "2k", 7: "7"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestWriteComparison checks the ratios and verdict of a comparison:
// the median of per-run ratios, not the ratio of medians.
func TestWriteComparison(t *testing.T) {
	s := func(wall time.Duration, records int64) sample {
		return sample{usage: usage{Wall: wall, CPU: wall, MaxRSS: 50 << 20}, Records: records, Rows: records}
	}
	cmp := &comparison{
		title: "(a) test",
		base:  []sample{s(time.Second, 1000), s(2*time.Second, 1000), s(time.Second, 1000)},
		pipe:  []sample{s(2*time.Second, 1000), s(2*time.Second, 1000), s(1250*time.Millisecond, 1000)},
	}
	var b bytes.Buffer
	if ok := writeComparison(&b, cmp, 0.6); !ok {
		t.Errorf("ratios 0.5, 1, 0.8 (median 0.8) reported as missing 0.6")
	}
	if ok := writeComparison(&b, cmp, 0.9); ok {
		t.Errorf("ratios 0.5, 1, 0.8 (median 0.8) reported as meeting 0.9")
	}
	if !strings.Contains(b.String(), "0.50, 1.00, 0.80; median 0.80") {
		t.Errorf("report lacks the per-run ratios:\n%s", b.String())
	}
	// With a run in the baseline's shape, each is reported, and the target
	// is met only when both meet it.
	cmp.oneTable = []sample{s(time.Second, 1000), s(4*time.Second, 1000), s(2*time.Second, 1000)}
	b.Reset()
	if ok := writeComparison(&b, cmp, 0.6); ok {
		t.Errorf("one-table ratios 1, 0.5, 0.5 (median 0.5) reported as meeting 0.6")
	}
	if !strings.Contains(b.String(), "| pipe, one table | 500 |") || !strings.Contains(b.String(), "1.00, 0.50, 0.50; median 0.50 (target ≥ 0.6: MISSED)") {
		t.Errorf("report lacks the one-table row and ratios:\n%s", b.String())
	}
}

// TestWriteRerun checks the verdict of (f) and (g): the median of the
// per-run ratios of second run to first load, against the target.
func TestWriteRerun(t *testing.T) {
	s := func(wall time.Duration) sample {
		return sample{usage: usage{Wall: wall, CPU: wall}, Records: 1000, Rows: 7000}
	}
	r := &rerunRun{
		title: "(f) test",
		first: []sample{s(10 * time.Second), s(10 * time.Second), s(20 * time.Second)},
		again: []sample{s(12 * time.Second), s(20 * time.Second), s(26 * time.Second)},
	}
	var b bytes.Buffer
	if ok := writeRerun(&b, r, "merged again", 1.5); !ok {
		t.Errorf("ratios 1.2, 2, 1.3 (median 1.3) reported as missing 1.5")
	}
	if ok := writeRerun(&b, r, "merged again", 1.25); ok {
		t.Errorf("ratios 1.2, 2, 1.3 (median 1.3) reported as meeting 1.25")
	}
	if !strings.Contains(b.String(), "Median wall time over the first load's 1.300") {
		t.Errorf("report lacks the median:\n%s", b.String())
	}
}
