package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// config is the driver's flags.
type config struct {
	pipe, fakeapi, baseline string
	issuesSpec, fanoutSpec  string
	oneTableSpec            string
	incrementalSpec         string
	postgres                string
	workdir                 string
	runs, bigRuns           int
	issues, big             int64
	parents, children       int
	latency                 time.Duration
	only                    map[string]bool
	log                     io.Writer
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{log: stderr}
	fs := flag.NewFlagSet("benchcmp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.pipe, "pipe", "bin/pipe", "pipe binary")
	fs.StringVar(&c.fakeapi, "fakeapi", "bin/fakeapi", "fake API binary")
	fs.StringVar(&c.baseline, "baseline", "bin/baseline", "baseline binary (go build ./internal/benchcmp/baseline)")
	fs.StringVar(&c.issuesSpec, "issues-spec", "examples/bench/issues.yml", "spec of scenarios (a) to (c)")
	fs.StringVar(&c.oneTableSpec, "one-table-spec", "examples/bench/issues_one_table.yml", "spec of (a) and (b) that writes the baseline's shape, one row per issue; empty leaves it out")
	fs.StringVar(&c.incrementalSpec, "incremental-spec", "examples/bench/issues_incremental.yml", "spec of scenario (g)")
	fs.StringVar(&c.fanoutSpec, "fanout-spec", "examples/bench/fanout.yml", "spec of scenario (d)")
	pg := os.Getenv("PIPE_TEST_POSTGRES")
	if pg == "" {
		pg = defaultPostgres
	}
	fs.StringVar(&c.postgres, "postgres", pg, "Postgres server of scenario (b), a postgres:// URL")
	fs.StringVar(&c.workdir, "workdir", "", "directory for SQLite files (default a new temporary directory)")
	fs.IntVar(&c.runs, "runs", 3, "runs of each program in (a), (b), (d), (f) and (g)")
	fs.IntVar(&c.bigRuns, "big-runs", 1, "runs of (c)")
	fs.Int64Var(&c.issues, "issues", 100_000, "issues in (a), (b), (f) and (g), a multiple of 4 (four orgs)")
	fs.Int64Var(&c.big, "big", 1_000_000, "issues in (c); 0 skips it")
	fs.IntVar(&c.parents, "parents", 500, "parent records (orgs) in (d)")
	fs.IntVar(&c.children, "children", 10, "children (projects) per parent in (d), one request each")
	fs.DurationVar(&c.latency, "latency", 20*time.Millisecond, "latency of every request in (d)")
	only := fs.String("only", "a,b,c,d,e,f,g", "scenarios to run, comma-separated")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	c.only = map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		c.only[strings.TrimSpace(s)] = true
	}
	return c, nil
}

// check reports a missing binary or spec before anything runs.
func (c *config) check() error {
	for _, f := range []string{c.pipe, c.fakeapi, c.baseline, c.issuesSpec, c.fanoutSpec, c.incrementalSpec, c.oneTableSpec} {
		if _, err := os.Stat(f); f != "" && err != nil {
			return fmt.Errorf("%w (run `make bench`, which builds the binaries, from the repository root)", err)
		}
	}
	if c.issues < benchOrgs || c.issues%benchOrgs != 0 || c.big%benchOrgs != 0 {
		return fmt.Errorf("-issues and -big must be multiples of %d (the issues are spread over %d orgs)", benchOrgs, benchOrgs)
	}
	if c.runs < 1 || c.bigRuns < 1 {
		return fmt.Errorf("-runs and -big-runs must be at least 1")
	}
	return nil
}

func (c *config) selected(s string) bool { return c.only[s] }

func (c *config) logf(format string, args ...any) {
	fmt.Fprintf(c.log, "benchcmp: "+format+"\n", args...)
}

// describe is the report's preamble: the machine and the exact setup.
func (c *config) describe() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%s, %d CPUs (%s), %s. Data: examples/fakeapi (bin/fakeapi) on loopback, "+
		"Snyk-shaped issues of 1–2 KB of nested JSON in 4 orgs, pages of 100, zero latency except in (d). "+
		"pipe runs %s; the baseline is internal/benchcmp/baseline. "+
		"pipe writes more rows than issues: the nested lists of each issue go to child tables. "+
		"In (a) and (b), \"pipe, one table\" runs %s, which writes the baseline's shape: one row per issue, lists as JSON columns.",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), host, runtime.Version(), c.issuesSpec, c.oneTableSpec)
}
