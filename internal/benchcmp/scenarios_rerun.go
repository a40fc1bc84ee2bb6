package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
)

// rerunRun is the result of scenario (f) or (g): a first load into a new
// SQLite file and a second run of pipe into the same file, run by run.
type rerunRun struct {
	title        string
	first, again []sample
	requests     []int64 // requests of each second run, for (g)
	// noop and noopRequests are, for (g), a run between the two in which
	// nothing changed: the fixed cost of an incremental run.
	noop         []sample
	noopRequests []int64
	changes      []changesPoint // (g) only, see changeSweep
}

// ratios returns the second run's wall time over the first's, run by run.
func (r *rerunRun) ratios() []float64 {
	out := make([]float64, len(r.first))
	for i := range r.first {
		out[i] = r.again[i].Wall.Seconds() / r.first[i].Wall.Seconds()
	}
	return out
}

// add records run's first and second runs of (f) or (f′) and logs them.
func (r *rerunRun) add(c *config, run int, first, again sample) {
	r.first, r.again = append(r.first, first), append(r.again, again)
	c.logf("%s run %d: first load %s, again %s (%.2f)", r.title, run,
		first.Wall.Round(time.Millisecond), again.Wall.Round(time.Millisecond), again.Wall.Seconds()/first.Wall.Seconds())
}

// scenarioRemerge is (f): the issues of (a) loaded, then merged again,
// unchanged, into the tables the first run made.
func scenarioRemerge(ctx context.Context, c *config) (*rerunRun, error) {
	f, err := fakeIssues(ctx, c, c.issues)
	if err != nil {
		return nil, err
	}
	defer f.stop()
	r := &rerunRun{title: fmt.Sprintf("(f) %s issues merged again into SQLite", count(c.issues))}
	for run := 1; run <= c.runs; run++ {
		t, err := sqliteFile(c.workdir, "pipe-remerge-", false)(run)
		if err != nil {
			return nil, err
		}
		first, again, err := twice(ctx, c, c.issuesSpec, f.URL, t.dest, c.issues)
		if cerr := t.clean(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		r.add(c, run, first, again)
	}
	return r, nil
}

// scenarioRemergeChanged is (f′): the issues of (a) loaded, then every
// one of them changed in the API (fakeapi.Server.Touch: a new
// updated_at, attributes.ignored toggled) and merged again: no record
// can be left out as unchanged, every root row is rewritten and every
// child row is compared. The fake runs in this process, which changes
// the issues between the runs.
func scenarioRemergeChanged(ctx context.Context, c *config) (*rerunRun, error) {
	r := &rerunRun{title: fmt.Sprintf("(f′) %s issues, every one changed, merged again into SQLite", count(c.issues))}
	for run := 1; run <= c.runs; run++ {
		srv, cfg, url, stop, t, err := touchableFake(c, "pipe-remerge-changed-", run)
		if err != nil {
			return nil, err
		}
		var again sample
		first, err := runPipe(ctx, c, c.issuesSpec, url, t.dest, "issues")
		if err == nil {
			err = checkCount("pipe (first run)", first, c.issues)
		}
		if err == nil {
			srv.Touch(cfg.IssuesPerOrg, time.Now().UTC())
			again, err = runPipe(ctx, c, c.issuesSpec, url, t.dest, "issues")
			if err == nil {
				err = checkCount("pipe (second run)", again, c.issues)
			}
		}
		stop()
		if cerr := t.clean(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		r.add(c, run, first, again)
	}
	return r, nil
}

// touchableFake serves the issues of (a) from a fake in this process, so
// that a scenario can change them between runs (fakeapi.Server.Touch),
// and names a new SQLite file for run: the setup of (f′) and (g).
func touchableFake(c *config, prefix string, run int) (*fakeapi.Server, fakeapi.Config, string, func(), target, error) {
	cfg := fakeapi.DemoConfig()
	cfg.Orgs, cfg.ProjectsPerOrg, cfg.IssuesPerOrg = benchOrgs, 20, int(c.issues/benchOrgs)
	srv := fakeapi.New(cfg)
	url, stop, err := serve(srv.Handler())
	if err != nil {
		return nil, cfg, "", nil, target{}, err
	}
	t, err := sqliteFile(c.workdir, prefix, false)(run)
	if err != nil {
		stop()
		return nil, cfg, "", nil, target{}, err
	}
	return srv, cfg, url, stop, t, nil
}

// incrementalShare is the part of the issues scenario (g) changes.
const incrementalShare = 100 // 1 in 100

// scenarioIncremental is (g): the issues of (a) loaded incrementally
// (updated_after, examples/bench/issues_incremental.yml), the spec run
// again with nothing changed (the no-op run: the fixed cost of a run),
// then 1% of the issues changed in the API and the spec run once more;
// run 1 then goes on with the change sweep (see changeSweep).
// The fake runs in this process, which changes the issues between the
// runs.
func scenarioIncremental(ctx context.Context, c *config) (*rerunRun, error) {
	r := &rerunRun{title: fmt.Sprintf("(g) %s issues loaded incrementally, then 1%% of them changed and loaded again", count(c.issues))}
	for run := 1; run <= c.runs; run++ {
		srv, cfg, url, stop, t, err := touchableFake(c, "pipe-incremental-", run)
		if err != nil {
			return nil, err
		}
		var noop, again sample
		var noopRequests, requests int64
		first, err := runPipe(ctx, c, c.incrementalSpec, url, t.dest, "issues")
		if err == nil {
			err = checkCount("pipe (first run)", first, c.issues)
		}
		if err == nil {
			before := srv.Requests()
			noop, err = runPipe(ctx, c, c.incrementalSpec, url, t.dest, "issues")
			noopRequests = srv.Requests() - before
			if err == nil {
				err = checkCount("pipe (no-op run)", noop, 0)
			}
		}
		if err == nil {
			srv.Touch(cfg.IssuesPerOrg/incrementalShare, time.Now().UTC())
			before := srv.Requests()
			again, err = runPipe(ctx, c, c.incrementalSpec, url, t.dest, "issues")
			requests = srv.Requests() - before
			if err == nil {
				err = checkCount("pipe (1% run)", again, c.issues/incrementalShare)
			}
		}
		if err == nil && run == 1 {
			r.changes, err = changeSweep(ctx, c, srv, cfg.Orgs, url, t.dest)
		}
		stop()
		if cerr := t.clean(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		r.first, r.again, r.requests = append(r.first, first), append(r.again, again), append(r.requests, requests)
		r.noop, r.noopRequests = append(r.noop, noop), append(r.noopRequests, noopRequests)
		c.logf("%s run %d: first load %s, no-op run %s in %d requests, 1%% changed %s in %d requests (marginal %.3f of the first load)",
			r.title, run, first.Wall.Round(time.Millisecond), noop.Wall.Round(time.Millisecond), noopRequests,
			again.Wall.Round(time.Millisecond), requests, (again.Wall-noop.Wall).Seconds()/first.Wall.Seconds())
	}
	return r, nil
}

// incrementalMax is the target of (g): what the 1% run costs beyond the
// no-op run is at most this many times 1% of the first load (a merge's
// rows cost up to 1.5 times a first load's, and the 1% run makes more
// requests than the no-op run), wall and CPU time alike.
const incrementalMax = 2.0

// writeIncremental reports scenario (g): per run, the first load, the
// no-op run and the 1% run, and the marginal cost of the 1% (1% run −
// no-op run) against 1% of the first load.
func writeIncremental(w io.Writer, r *rerunRun) bool {
	fmt.Fprintf(w, "\n### %s\n\n", r.title)
	var rows [][]string
	var wall, cpu []float64
	for i := range r.first {
		f, n, a := r.first[i], r.noop[i], r.again[i]
		share := func(x, y, first time.Duration) float64 {
			return (x - y).Seconds() / (first.Seconds() / incrementalShare)
		}
		wall = append(wall, share(a.Wall, n.Wall, f.Wall))
		cpu = append(cpu, share(a.CPU, n.CPU, f.CPU))
		rows = append(rows, []string{fmt.Sprint(i + 1),
			fmt.Sprintf("%s / %.2f", f.Wall.Round(10*time.Millisecond), f.CPU.Seconds()),
			fmt.Sprintf("%s / %.2f (%d)", n.Wall.Round(time.Millisecond), n.CPU.Seconds(), r.noopRequests[i]),
			fmt.Sprintf("%s / %.2f (%d)", a.Wall.Round(time.Millisecond), a.CPU.Seconds(), r.requests[i]),
			fmt.Sprint(a.Records), fmt.Sprint(a.Rows),
			fmt.Sprintf("%.2f / %.2f", wall[i], cpu[i]), mib(a.MaxRSS), fmt.Sprintf("%d / %d", n.Faults, a.Faults)})
	}
	table(w, []string{"run", "first load: wall / CPU s", "no-op run (requests)", "1% run (requests)", "issues", "rows",
		"(1% − no-op) / (1% of first): wall / CPU", "peak RSS", "page faults: no-op / 1%"}, rows)
	mw, mc := median(wall), median(cpu)
	ok := mw <= incrementalMax && mc <= incrementalMax
	fmt.Fprintf(w, "\nThe 1%% run costs the no-op run (process start, schema, state, one request per org) plus %.2f× (wall) and %.2f× (CPU) 1%% of the first load, medians (target ≤ %.1f×: %s).\n",
		mw, mc, incrementalMax, verdict(ok))
	if len(r.first) > 0 {
		writeChanges(w, r.changes, r.first[0], r.first[0].Records)
	}
	return ok
}

// twice runs pipe into dest and runs it again, which must load again
// issues.
func twice(ctx context.Context, c *config, spec, apiURL, dest string, again int64) (sample, sample, error) {
	first, err := runPipe(ctx, c, spec, apiURL, dest, "issues")
	if err == nil {
		err = checkCount("pipe (first run)", first, c.issues)
	}
	if err != nil {
		return sample{}, sample{}, err
	}
	second, err := runPipe(ctx, c, spec, apiURL, dest, "issues")
	if err == nil {
		err = checkCount("pipe (second run)", second, again)
	}
	return first, second, err
}

// serve serves h on a free loopback port until stop is called.
func serve(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() {
		_ = hs.Close()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err) // a listener we own failed: nothing to recover
		}
	}, nil
}
