package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
)

// changesPerOrg are the issues per org that (g)'s change sweep changes in
// the API, one run each, after run 1's 1% run: how an incremental run's
// cost grows with the changes it loads, from a handful to a few hundred.
var changesPerOrg = []int{1, 10, 100}

// changesPoint is one step of the change sweep: the run that loaded
// changes changed issues and the no-op run right after it.
type changesPoint struct {
	changes   int
	run, noop sample
}

// changeSweep runs (g)'s change sweep: for each of changesPerOrg, that
// many issues of each of orgs orgs changed in srv, the incremental spec
// run into dest, then run again with nothing changed.
func changeSweep(ctx context.Context, c *config, srv *fakeapi.Server, orgs int, url, dest string) ([]changesPoint, error) {
	var out []changesPoint
	for i, k := range changesPerOrg {
		p := changesPoint{changes: k * orgs}
		// A minute apart: the API keeps times to the second, and a run
		// loads what changed after the last time it saw.
		srv.Touch(k, time.Now().UTC().Add(time.Duration(i+1)*time.Minute))
		run, err := runPipe(ctx, c, c.incrementalSpec, url, dest, "issues")
		if err == nil {
			err = checkCount(fmt.Sprintf("pipe (%d changed)", p.changes), run, int64(p.changes))
		}
		if err == nil {
			p.noop, err = runPipe(ctx, c, c.incrementalSpec, url, dest, "issues")
		}
		if err == nil {
			err = checkCount("pipe (no-op run)", p.noop, 0)
		}
		if err != nil {
			return nil, err
		}
		p.run = run
		out = append(out, p)
	}
	return out, nil
}

// writeChanges reports the change sweep: what each run cost beyond the
// no-op run after it, in all and per changed issue, against what an
// issue cost in first, a first load of issues issues.
func writeChanges(w io.Writer, points []changesPoint, first sample, issues int64) {
	if len(points) == 0 || issues == 0 {
		return
	}
	perFirst := first.Wall.Seconds() / float64(issues)
	var rows [][]string
	for _, p := range points {
		beyond := p.run.Wall - p.noop.Wall
		per := beyond.Seconds() / float64(p.changes)
		rows = append(rows, []string{fmt.Sprint(p.changes), p.run.Wall.Round(time.Millisecond).String(),
			p.noop.Wall.Round(time.Millisecond).String(), beyond.Round(time.Millisecond).String(),
			fmt.Sprintf("%.2f ms", per*1000), fmt.Sprintf("%.1f×", per/perFirst)})
	}
	fmt.Fprintf(w, "\nChange sweep, one run each on run 1's database after its 1%% run: changed issues loaded by a run against the no-op run right after it, per changed issue against an issue of run 1's first load (%.0f µs).\n\n", perFirst*1e6)
	table(w, []string{"changed issues", "run", "no-op run after it", "beyond the no-op run", "per changed issue", "× a first-load issue"}, rows)
}
