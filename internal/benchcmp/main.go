// Command benchcmp is the driver of `make bench`: it measures pipe
// against hand-written baselines on the offline fake Snyk API and prints
// the figures as Markdown, with the targets of issue 7:
//
//   - (a) issues into SQLite: pipe against internal/benchcmp/baseline
//     (prepared single-row INSERTs in one transaction), issues per second
//     of wall time, CPU seconds, peak RSS; pipe ≥ 0.6 × the baseline.
//   - (b) the same into Postgres against the baseline's COPY; skipped
//     without a server ($PIPE_TEST_POSTGRES, else postgres@localhost).
//   - in (a) and (b), pipe also runs a spec that writes the baseline's
//     shape, one row per issue (-one-table-spec), reported beside.
//   - (c) many more issues into SQLite: pipe's peak RSS under 150 MiB and
//     within 1.2 × its figure of (a).
//   - (d) fan-out at a fixed latency per request: pipe's wall time within
//     1.3 × requests × latency / concurrency.
//   - (e) a smaller fan-out at concurrency 1 (sequential), 2, 4, … 32:
//     wall time against the sequential run.
//   - (f) the issues of (a) merged again into the tables of a first
//     load: at most 1.5 × the first load's wall time.
//   - (g) the issues of (a) loaded incrementally, 1% of them changed,
//     and loaded again: wall time against the first load's.
//
// Every program runs as a subprocess, so CPU time and peak RSS come from
// its own rusage; bin/fakeapi serves the data. Each comparison runs
// pipe and the baseline alternately, several times, and reports the
// median of the per-run ratios: the machine is shared and noisy, and a
// ratio of two runs taken side by side is steadier than either figure.
//
//	go run ./internal/benchcmp [-runs 3] [-issues 100000] [-big 1000000] [-only a,b,c,d,e,f,g]
//
// The exit code is 1 when a run fails, 0 otherwise (a missed target is
// reported, not an error).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, runs the selected scenarios and prints their report
// on stdout and progress on stderr; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	if c.workdir == "" {
		dir, err := os.MkdirTemp("", "pipe-bench-")
		if err != nil {
			fmt.Fprintf(stderr, "benchcmp: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		c.workdir = dir
	}
	if err := c.check(); err != nil {
		fmt.Fprintf(stderr, "benchcmp: %v\n", err)
		return 2
	}
	if err := report(ctx, c, stdout); err != nil {
		fmt.Fprintf(stderr, "benchcmp: %v\n", err)
		return 1
	}
	return 0
}

// report runs the scenarios in order and writes each section as soon as
// it is measured.
func report(ctx context.Context, c *config, w io.Writer) error {
	fmt.Fprintf(w, "## Benchmark results\n\n%s\n", c.describe())
	var small *comparison
	if c.selected("a") || c.selected("c") {
		cmp, err := scenarioSQLite(ctx, c)
		if err != nil {
			return err
		}
		small = cmp
		writeComparison(w, cmp, 0.6)
	}
	if c.selected("b") {
		cmp, err := scenarioPostgres(ctx, c)
		if err != nil {
			return err
		}
		writeComparison(w, cmp, 0.6)
	}
	if c.selected("c") && c.big > 0 {
		m, err := scenarioMemory(ctx, c)
		if err != nil {
			return err
		}
		writeMemory(w, m, small, 150<<20, 1.2)
	}
	if c.selected("d") {
		r, err := scenarioFanout(ctx, c)
		if err != nil {
			return err
		}
		writeFanout(w, r, 1.3)
	}
	if c.selected("f") {
		r, err := scenarioRemerge(ctx, c)
		if err != nil {
			return err
		}
		writeRerun(w, r, "merged again", 1.5)
		if r, err = scenarioRemergeChanged(ctx, c); err != nil {
			return err
		}
		writeRerun(w, r, "changed and merged again", 0)
	}
	if c.selected("g") {
		r, err := scenarioIncremental(ctx, c)
		if err != nil {
			return err
		}
		writeIncremental(w, r)
	}
	if c.selected("e") {
		r, err := scenarioSweep(ctx, c)
		if err != nil {
			return err
		}
		writeSweep(w, r)
	}
	return nil
}
