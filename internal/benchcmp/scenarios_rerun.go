package main

import (
	"context"
	"errors"
	"fmt"
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
}

// ratios returns the second run's wall time over the first's, run by run.
func (r *rerunRun) ratios() []float64 {
	out := make([]float64, len(r.first))
	for i := range r.first {
		out[i] = r.again[i].Wall.Seconds() / r.first[i].Wall.Seconds()
	}
	return out
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
		first, again, err := twice(ctx, c, c.issuesSpec, f.URL, t.dest, c.issues, func() {})
		if cerr := t.clean(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		r.first, r.again = append(r.first, first), append(r.again, again)
		c.logf("%s run %d: first load %s, again %s (%.2f)", r.title, run,
			first.Wall.Round(time.Millisecond), again.Wall.Round(time.Millisecond), again.Wall.Seconds()/first.Wall.Seconds())
	}
	return r, nil
}

// incrementalShare is the part of the issues scenario (g) changes.
const incrementalShare = 100 // 1 in 100

// scenarioIncremental is (g): the issues of (a) loaded incrementally
// (updated_after, examples/bench/issues_incremental.yml), then 1% of
// them changed in the API and the spec run again. The fake runs in this
// process, which changes the issues between the runs.
func scenarioIncremental(ctx context.Context, c *config) (*rerunRun, error) {
	r := &rerunRun{title: fmt.Sprintf("(g) %s issues loaded incrementally, then 1%% of them changed and loaded again", count(c.issues))}
	for run := 1; run <= c.runs; run++ {
		cfg := fakeapi.DemoConfig()
		cfg.Orgs, cfg.ProjectsPerOrg, cfg.IssuesPerOrg = benchOrgs, 20, int(c.issues/benchOrgs)
		srv := fakeapi.New(cfg)
		url, stop, err := serve(srv.Handler())
		if err != nil {
			return nil, err
		}
		t, err := sqliteFile(c.workdir, "pipe-incremental-", false)(run)
		if err != nil {
			stop()
			return nil, err
		}
		var before int64
		first, again, err := twice(ctx, c, c.incrementalSpec, url, t.dest, c.issues/incrementalShare, func() {
			srv.Touch(cfg.IssuesPerOrg/incrementalShare, time.Now().UTC())
			before = srv.Requests()
		})
		requests := srv.Requests() - before
		stop()
		if cerr := t.clean(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		r.first, r.again, r.requests = append(r.first, first), append(r.again, again), append(r.requests, requests)
		c.logf("%s run %d: first load %s, 1%% changed %s (%.3f) in %d requests", r.title, run,
			first.Wall.Round(time.Millisecond), again.Wall.Round(time.Millisecond), again.Wall.Seconds()/first.Wall.Seconds(), requests)
	}
	return r, nil
}

// twice runs pipe into dest, calls between, and runs it again, which
// must load again issues.
func twice(ctx context.Context, c *config, spec, apiURL, dest string, again int64, between func()) (sample, sample, error) {
	first, err := runPipe(ctx, c, spec, apiURL, dest, "issues")
	if err == nil {
		err = checkCount("pipe (first run)", first, c.issues)
	}
	if err != nil {
		return sample{}, sample{}, err
	}
	between()
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
