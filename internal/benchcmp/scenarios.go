package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// benchOrgs is the number of orgs the issues of (a), (b), (c), (f) and
// (g) are spread over: pipe and the baseline fetch them at once.
const benchOrgs = 4

// fakeIssues starts the fake with n issues in benchOrgs orgs.
func fakeIssues(ctx context.Context, c *config, n int64) (*fake, error) {
	return startFake(ctx, c.fakeapi, "-orgs", strconv.Itoa(benchOrgs), "-projects", "20", "-issues", strconv.FormatInt(n/benchOrgs, 10))
}

// scenarioSQLite is (a): issues into SQLite, pipe against the baseline.
func scenarioSQLite(ctx context.Context, c *config) (*comparison, error) {
	f, err := fakeIssues(ctx, c, c.issues)
	if err != nil {
		return nil, err
	}
	defer f.stop()
	title := fmt.Sprintf("(a) %s issues into SQLite", count(c.issues))
	return compare(ctx, c, title, f.URL, c.issues,
		sqliteFile(c.workdir, "baseline-", true), sqliteFile(c.workdir, "pipe-", false))
}

// scenarioPostgres is (b): issues into Postgres, pipe's COPY against the
// baseline's.
func scenarioPostgres(ctx context.Context, c *config) (*comparison, error) {
	title := fmt.Sprintf("(b) %s issues into Postgres", count(c.issues))
	pg, ok, err := openPostgres(ctx, c.postgres)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &comparison{title: title, skipped: "skipped (no postgres)"}, nil
	}
	defer pg.close()
	f, err := fakeIssues(ctx, c, c.issues)
	if err != nil {
		return nil, err
	}
	defer f.stop()
	return compare(ctx, c, title, f.URL, c.issues,
		pg.schemaTarget(ctx, "pipe_bench_baseline_", "search_path"), pg.schemaTarget(ctx, "pipe_bench_pipe_", "schema"))
}

// memoryRun is the result of scenario (c).
type memoryRun struct {
	title string
	runs  []sample
}

// scenarioMemory is (c): many issues into SQLite with pipe alone, for
// its peak RSS.
func scenarioMemory(ctx context.Context, c *config) (*memoryRun, error) {
	f, err := fakeIssues(ctx, c, c.big)
	if err != nil {
		return nil, err
	}
	defer f.stop()
	m := &memoryRun{title: fmt.Sprintf("(c) %s issues into SQLite, memory", count(c.big))}
	for run := 1; run <= c.bigRuns; run++ {
		t, err := sqliteFile(c.workdir, "pipe-big-", false)(run)
		if err != nil {
			return nil, err
		}
		s, err := runPipe(ctx, c, c.issuesSpec, f.URL, t.dest, "issues")
		if err == nil {
			err = checkCount("pipe", s, c.big)
		}
		if cerr := t.clean(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		c.logf("%s run %d: %.0f issues/s, peak RSS %s", m.title, run, s.recordsPerSec(), mib(s.MaxRSS))
		m.runs = append(m.runs, s)
	}
	return m, nil
}

// fanoutRun is the result of scenario (d).
type fanoutRun struct {
	title       string
	latency     time.Duration
	concurrency int
	requests    []int
	runs        []sample
}

// ideal is the wall time of the requests of run i at full concurrency:
// requests × latency / concurrency.
func (r *fanoutRun) ideal(i int) time.Duration {
	return time.Duration(r.requests[i]) * r.latency / time.Duration(r.concurrency)
}

// scenarioFanout is (d): a parent resource whose records each have
// children fetched one request each, at a fixed latency per request.
func scenarioFanout(ctx context.Context, c *config) (*fanoutRun, error) {
	conc, err := specConcurrency(c.fanoutSpec)
	if err != nil {
		return nil, err
	}
	r := &fanoutRun{
		title:       fmt.Sprintf("(d) fan-out: %d orgs × %d projects, one request per project, %s latency", c.parents, c.children, c.latency),
		latency:     c.latency,
		concurrency: conc,
	}
	for run := 1; run <= c.runs; run++ {
		f, err := startFake(ctx, c.fakeapi, "-orgs", strconv.Itoa(c.parents), "-projects", strconv.Itoa(c.children),
			"-issues", "0", "-latency", c.latency.String())
		if err != nil {
			return nil, err
		}
		t, err := sqliteFile(c.workdir, "pipe-fanout-", false)(run)
		if err != nil {
			f.stop()
			return nil, err
		}
		s, err := runPipe(ctx, c, c.fanoutSpec, f.URL, t.dest, "dep_graph")
		n, ferr := f.stop()
		if err == nil {
			err = ferr
		}
		if err == nil {
			err = checkCount("pipe", s, int64(c.parents*c.children))
		}
		if cerr := t.clean(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		r.requests, r.runs = append(r.requests, n), append(r.runs, s)
		c.logf("%s run %d: %s for %d requests, ideal %s", r.title, run, s.Wall.Round(time.Millisecond), n, r.ideal(run-1))
	}
	return r, nil
}

// specConcurrency reads client.concurrency (or its default) from a spec.
func specConcurrency(file string) (int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	s, err := spec.Load(file, data)
	if err != nil {
		return 0, err
	}
	p, err := plan.Build(s, plan.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		return 0, err
	}
	return p.Concurrency, nil
}

// sweepConcurrencies are the client.concurrency values scenario (e)
// measures; 1 is the sequential run.
var sweepConcurrencies = []int{1, 2, 4, 8, 16, 32}

// sweepRun is (e): one smaller fan-out at each concurrency.
type sweepRun struct {
	title    string
	latency  time.Duration
	requests []int
	runs     []sample
}

// scenarioSweep is (e): 50 orgs × 10 projects at the fan-out latency,
// once per concurrency, from sequential (1) up, so the README can show
// sequential against concurrent wall time and why the default is what it is.
func scenarioSweep(ctx context.Context, c *config) (*sweepRun, error) {
	const parents, children = 50, 10
	r := &sweepRun{
		title:   fmt.Sprintf("(e) concurrency sweep: %d orgs × %d projects, %s latency", parents, children, c.latency),
		latency: c.latency,
	}
	for _, conc := range sweepConcurrencies {
		f, err := startFake(ctx, c.fakeapi, "-orgs", strconv.Itoa(parents), "-projects", strconv.Itoa(children),
			"-issues", "0", "-latency", c.latency.String())
		if err != nil {
			return nil, err
		}
		t, err := sqliteFile(c.workdir, "pipe-sweep-", false)(conc)
		if err != nil {
			f.stop()
			return nil, err
		}
		s, err := runPipe(ctx, c, c.fanoutSpec, f.URL, t.dest, "dep_graph", "--concurrency", strconv.Itoa(conc))
		n, ferr := f.stop()
		if err == nil {
			err = ferr
		}
		if err == nil {
			err = checkCount("pipe", s, int64(parents*children))
		}
		if cerr := t.clean(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		r.requests, r.runs = append(r.requests, n), append(r.runs, s)
		c.logf("%s concurrency %d: %s for %d requests", r.title, conc, s.Wall.Round(time.Millisecond), n)
	}
	return r, nil
}
