package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// median returns the median of xs (the mean of the middle two for an
// even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// medianOf returns the median of f over samples.
func medianOf(samples []sample, f func(sample) float64) float64 {
	xs := make([]float64, len(samples))
	for i, s := range samples {
		xs[i] = f(s)
	}
	return median(xs)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func count(n int64) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// table writes rows as a Markdown table.
func table(w io.Writer, header []string, rows [][]string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(header)))
	for _, r := range rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
}

var loadHeader = []string{"program", "issues/s", "rows/s", "rows", "wall s", "CPU s", "peak RSS"}

func loadRow(name string, ss []sample) []string {
	return []string{
		name,
		fmt.Sprintf("%.0f", medianOf(ss, sample.recordsPerSec)),
		fmt.Sprintf("%.0f", medianOf(ss, sample.rowsPerSec)),
		fmt.Sprint(ss[0].Rows),
		fmt.Sprintf("%.2f", medianOf(ss, func(s sample) float64 { return s.Wall.Seconds() })),
		fmt.Sprintf("%.2f", medianOf(ss, func(s sample) float64 { return s.CPU.Seconds() })),
		mib(int64(medianOf(ss, func(s sample) float64 { return float64(s.MaxRSS) }))),
	}
}

// writeComparison reports scenario (a) or (b); it returns whether the
// target (pipe ≥ minRatio × baseline, median of per-run ratios) is met.
func writeComparison(w io.Writer, cmp *comparison, minRatio float64) bool {
	fmt.Fprintf(w, "\n### %s\n\n", cmp.title)
	if cmp.skipped != "" {
		fmt.Fprintln(w, cmp.skipped)
		return true
	}
	fmt.Fprintf(w, "Median of %d runs each, alternating.\n\n", len(cmp.pipe))
	rows := [][]string{loadRow("baseline", cmp.base), loadRow("pipe", cmp.pipe)}
	if len(cmp.oneTable) > 0 {
		rows = append(rows, loadRow("pipe, one table", cmp.oneTable))
	}
	table(w, loadHeader, rows)
	ok := writeRatios(w, cmp, "pipe", cmp.pipe, minRatio)
	if len(cmp.oneTable) > 0 {
		ok = writeRatios(w, cmp, "pipe, one table (the baseline's shape)", cmp.oneTable, minRatio) && ok
	}
	return ok
}

// writeRatios writes the per-run ratios of pipe's samples ps to the
// baseline's and their median against minRatio, which it reports met.
func writeRatios(w io.Writer, cmp *comparison, name string, ps []sample, minRatio float64) bool {
	rs := cmp.ratios(ps)
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%.2f", r)
	}
	m := median(rs)
	cpu := medianOf(ps, func(s sample) float64 { return s.CPU.Seconds() }) /
		medianOf(cmp.base, func(s sample) float64 { return s.CPU.Seconds() })
	fmt.Fprintf(w, "\n%s/baseline issues/s per run: %s; median %.2f (target ≥ %.1f: %s). It uses %.1f× the baseline's CPU time.\n",
		name, strings.Join(parts, ", "), m, minRatio, verdict(m >= minRatio), cpu)
	return m >= minRatio
}

// writeMemory reports scenario (c) against the 100k figure of (a).
func writeMemory(w io.Writer, m *memoryRun, small *comparison, maxRSS int64, maxGrowth float64) bool {
	fmt.Fprintf(w, "\n### %s\n\n", m.title)
	rows := [][]string{loadRow(fmt.Sprintf("pipe, %s issues", count(m.runs[0].Records)), m.runs)}
	if small != nil && len(small.pipe) > 0 {
		rows = append([][]string{loadRow(fmt.Sprintf("pipe, %s issues (a)", count(small.pipe[0].Records)), small.pipe)}, rows...)
	}
	table(w, loadHeader, rows)
	big := int64(medianOf(m.runs, func(s sample) float64 { return float64(s.MaxRSS) }))
	ok := big <= maxRSS
	fmt.Fprintf(w, "\nPeak RSS %s (target < %s: %s)", mib(big), mib(maxRSS), verdict(ok))
	if small != nil && len(small.pipe) > 0 {
		base := medianOf(small.pipe, func(s sample) float64 { return float64(s.MaxRSS) })
		g := float64(big) / base
		ok = ok && g <= maxGrowth
		fmt.Fprintf(w, "; %.2f× the %s figure (target ≤ %.1f×: %s)", g, count(small.pipe[0].Records), maxGrowth, verdict(g <= maxGrowth))
	}
	fmt.Fprintln(w, ".")
	return ok
}

// writeFanout reports scenario (d).
func writeFanout(w io.Writer, r *fanoutRun, maxRatio float64) bool {
	fmt.Fprintf(w, "\n### %s\n\n", r.title)
	var rows [][]string
	var ratios []float64
	for i, s := range r.runs {
		ideal := r.ideal(i)
		ratio := s.Wall.Seconds() / ideal.Seconds()
		ratios = append(ratios, ratio)
		rows = append(rows, []string{fmt.Sprint(i + 1), fmt.Sprint(r.requests[i]), fmt.Sprint(r.concurrency),
			ideal.Round(10 * time.Millisecond).String(), s.Wall.Round(10 * time.Millisecond).String(), fmt.Sprintf("%.2f", ratio),
			fmt.Sprintf("%.2f", s.CPU.Seconds()), mib(s.MaxRSS)})
	}
	table(w, []string{"run", "requests", "concurrency", "ideal", "wall", "wall/ideal", "CPU s", "peak RSS"}, rows)
	m := median(ratios)
	fmt.Fprintf(w, "\nIdeal = requests × latency / concurrency. Median wall/ideal %.2f (target ≤ %.1f: %s).\n", m, maxRatio, verdict(m <= maxRatio))
	return m <= maxRatio
}

// writeSweep reports scenario (e): wall time per concurrency against the
// sequential run and the ideal.
func writeSweep(w io.Writer, r *sweepRun) {
	fmt.Fprintf(w, "\n### %s\n\n", r.title)
	seq := r.runs[0].Wall
	var rows [][]string
	for i, s := range r.runs {
		conc := sweepConcurrencies[i]
		ideal := time.Duration(r.requests[i]) * r.latency / time.Duration(conc)
		rows = append(rows, []string{fmt.Sprint(conc), fmt.Sprint(r.requests[i]), s.Wall.Round(10 * time.Millisecond).String(),
			fmt.Sprintf("%.1f×", seq.Seconds()/s.Wall.Seconds()), fmt.Sprintf("%.2f", s.Wall.Seconds()/ideal.Seconds()),
			fmt.Sprintf("%.2f", s.CPU.Seconds())})
	}
	table(w, []string{"concurrency", "requests", "wall", "speed-up over sequential", "wall/ideal", "CPU s"}, rows)
	fmt.Fprintln(w, "\nConcurrency 1 is the sequential run; ideal = requests × latency / concurrency.")
}

// writeRerun reports scenario (f) or (g): first loads and second runs
// side by side, with the median of their per-run ratios against maxRatio.
func writeRerun(w io.Writer, r *rerunRun, what string, maxRatio float64) bool {
	fmt.Fprintf(w, "\n### %s\n\n", r.title)
	var rows [][]string
	for i := range r.first {
		f, a := r.first[i], r.again[i]
		row := []string{fmt.Sprint(i + 1), f.Wall.Round(10 * time.Millisecond).String(), fmt.Sprint(a.Records), fmt.Sprint(a.Rows),
			a.Wall.Round(10 * time.Millisecond).String(), fmt.Sprintf("%.3f", a.Wall.Seconds()/f.Wall.Seconds()),
			fmt.Sprintf("%.2f / %.2f", f.CPU.Seconds(), a.CPU.Seconds()), mib(a.MaxRSS)}
		if r.requests != nil {
			row = append(row, fmt.Sprint(r.requests[i]))
		}
		rows = append(rows, row)
	}
	header := []string{"run", "first load", "issues " + what, "rows", "wall", "/ first load", "CPU s (first / again)", "peak RSS"}
	if r.requests != nil {
		header = append(header, "requests")
	}
	table(w, header, rows)
	m := median(r.ratios())
	if maxRatio == 0 {
		fmt.Fprintf(w, "\nMedian wall time over the first load's %.3f (no target).\n", m)
		return true
	}
	fmt.Fprintf(w, "\nMedian wall time over the first load's %.3f (target ≤ %.2f: %s).\n", m, maxRatio, verdict(m <= maxRatio))
	return m <= maxRatio
}
