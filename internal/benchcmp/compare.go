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
		pt, err := pipeTarget(run)
		if err != nil {
			return nil, err
		}
		p, err := runPipe(ctx, c, c.issuesSpec, apiURL, pt.dest, "issues")
		if err == nil {
			err = checkCount("pipe", p, issues)
		}
		if cerr := pt.clean(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		cmp.base, cmp.pipe = append(cmp.base, b), append(cmp.pipe, p)
		c.logf("%s run %d: baseline %.0f issues/s, pipe %.0f issues/s (%.2f)", title, run,
			b.recordsPerSec(), p.recordsPerSec(), p.recordsPerSec()/b.recordsPerSec())
	}
	return cmp, nil
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

// ratios returns pipe/baseline records per second, run by run.
func (cmp *comparison) ratios() []float64 {
	out := make([]float64, len(cmp.pipe))
	for i := range cmp.pipe {
		out[i] = cmp.pipe[i].recordsPerSec() / cmp.base[i].recordsPerSec()
	}
	return out
}

func (cmp *comparison) String() string {
	return fmt.Sprintf("%s: %d runs", cmp.title, len(cmp.pipe))
}
