package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// target is where one program of a comparison loads in one run: its
// --dest (or -dest) and what to clean before and after.
type target struct {
	dest  string
	clean func() error
}

// comparison is the result of scenario (a) or (b): runs of the
// baseline and of pipe, interleaved so that both see the same noise.
type comparison struct {
	title     string
	base      []sample
	pipe      []sample
	oneTable  []sample // pipe writing the baseline's shape (config.oneTableSpec), if run
	skipped   string
	issueWant int64
}

// compare loads the same issues with the baseline and with pipe, runs
// times each, alternating.
func compare(ctx context.Context, c *config, title, apiURL string, issues int64, baseTarget, pipeTarget func(run int) (target, error)) (*comparison, error) {
	cmp := &comparison{title: title, issueWant: issues}
	for run := 1; run <= c.runs; run++ {
		bt, err := baseTarget(run)
		if err != nil {
			return nil, err
		}
		b, err := runBaseline(ctx, c, apiURL, bt.dest)
		if err == nil {
			err = checkCount("baseline", b, issues)
		}
		if cerr := bt.clean(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		p, err := runPipeInto(ctx, c, c.issuesSpec, apiURL, issues, pipeTarget, run)
		if err != nil {
			return nil, err
		}
		if c.oneTableSpec != "" {
			o, err := runPipeInto(ctx, c, c.oneTableSpec, apiURL, issues, pipeTarget, run)
			if err != nil {
				return nil, err
			}
			cmp.oneTable = append(cmp.oneTable, o)
			c.logf("%s run %d: pipe, one table %.0f issues/s (%.2f)", title, run, o.recordsPerSec(), o.recordsPerSec()/b.recordsPerSec())
		}
		cmp.base, cmp.pipe = append(cmp.base, b), append(cmp.pipe, p)
		c.logf("%s run %d: baseline %.0f issues/s, pipe %.0f issues/s (%.2f)", title, run,
			b.recordsPerSec(), p.recordsPerSec(), p.recordsPerSec()/b.recordsPerSec())
	}
	return cmp, nil
}

// runPipeInto runs pipe with spec into a new target of pipeTarget and
// checks that it loaded issues.
func runPipeInto(ctx context.Context, c *config, spec, apiURL string, issues int64, pipeTarget func(run int) (target, error), run int) (sample, error) {
	pt, err := pipeTarget(run)
	if err != nil {
		return sample{}, err
	}
	p, err := runPipe(ctx, c, spec, apiURL, pt.dest, "issues")
	if err == nil {
		err = checkCount("pipe", p, issues)
	}
	if cerr := pt.clean(); err == nil {
		err = cerr
	}
	return p, err
}

// sqliteFile returns a target that is a new SQLite file in dir,
// removed with its WAL after the run.
func sqliteFile(dir, prefix string, sqliteScheme bool) func(run int) (target, error) {
	return func(run int) (target, error) {
		path := filepath.Join(dir, prefix+strconv.Itoa(run)+".db")
		clean := func() error {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
					return err
				}
			}
			return nil
		}
		if err := clean(); err != nil {
			return target{}, err
		}
		dest := path
		if sqliteScheme {
			dest = "sqlite:" + path
		}
		return target{dest: dest, clean: clean}, nil
	}
}

// ratios returns records per second of pipe's samples ps against the
// baseline's, run by run.
func (cmp *comparison) ratios(ps []sample) []float64 {
	out := make([]float64, len(ps))
	for i := range ps {
		out[i] = ps[i].recordsPerSec() / cmp.base[i].recordsPerSec()
	}
	return out
}

func (cmp *comparison) String() string {
	return fmt.Sprintf("%s: %d runs", cmp.title, len(cmp.pipe))
}
