package main

import (
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/examples/fakeapi"
)

// BenchmarkRemergeSQLite loads the issues of BenchmarkRunSQLite once,
// untimed, and measures merging them again, unchanged, into the tables
// that load made: scenario (f) in process, for profiles of a re-merge:
//
//	go test ./internal/benchcmp -run '^$' -bench RemergeSQLite -benchtime 1x -issues 50000 -cpuprofile cpu.out
func BenchmarkRemergeSQLite(b *testing.B) {
	_, p, opts := loadedOnce(b)
	for b.Loop() {
		rep, err := engine.Run(b.Context(), p, opts)
		if err != nil {
			b.Fatal(err)
		}
		if got := rep.Resources["issues"].Records; got != int64(*benchIssues) {
			b.Fatalf("merged %d issues, want %d", got, *benchIssues)
		}
	}
	b.ReportMetric(float64(*benchIssues)*float64(b.N)/b.Elapsed().Seconds(), "issues/s")
}

// BenchmarkRemergeChangedSQLite is BenchmarkRemergeSQLite with every
// issue changed in the fake before each merge (fakeapi.Server.Touch):
// scenario (f′) in process, where no record is left out as unchanged.
func BenchmarkRemergeChangedSQLite(b *testing.B) {
	fake, p, opts := loadedOnce(b)
	at := time.Now().UTC()
	for b.Loop() {
		b.StopTimer()
		at = at.Add(time.Hour)
		fake.Touch(*benchIssues, at)
		b.StartTimer()
		rep, err := engine.Run(b.Context(), p, opts)
		if err != nil {
			b.Fatal(err)
		}
		if c := rep.Changes["issues"]; c.Updated != int64(*benchIssues) {
			b.Fatalf("issues counts %+v, want %d updated", c, *benchIssues)
		}
	}
	b.ReportMetric(float64(*benchIssues)*float64(b.N)/b.Elapsed().Seconds(), "issues/s")
}

// loadedOnce serves the issues of BenchmarkRunSQLite from a fake it
// returns, loads them once with examples/bench/issues.yml into a new
// SQLite file, and returns the plan and the options of that load (its
// destination open until b ends).
func loadedOnce(b *testing.B) (*fakeapi.Server, *plan.Plan, engine.Options) {
	c := fakeapi.DemoConfig()
	c.Orgs, c.ProjectsPerOrg, c.IssuesPerOrg = 1, 20, *benchIssues
	fake := fakeapi.New(c)
	srv := httptest.NewServer(fake.Handler())
	b.Cleanup(srv.Close)
	p := benchPlan(b, "../../examples/bench/issues.yml", srv.URL)
	d, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "remerge.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	opts := engine.Options{Dest: d, Secrets: tokenStore{}, CheckpointRows: *benchCheckpoint}
	if _, err := engine.Run(b.Context(), p, opts); err != nil {
		b.Fatal(err)
	}
	return fake, p, opts
}

// BenchmarkIncrementalSQLite loads the issues of BenchmarkRunSQLite with
// the incremental spec, untimed, then measures, per iteration, changing
// 1% of them in the fake and running the spec again on a database opened
// anew (a new process's cold page cache): scenario (g)'s 1% run in
// process.
func BenchmarkIncrementalSQLite(b *testing.B) {
	c := fakeapi.DemoConfig()
	c.Orgs, c.ProjectsPerOrg, c.IssuesPerOrg = 1, 20, *benchIssues
	fake := fakeapi.New(c)
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	p := benchPlan(b, "../../examples/bench/issues_incremental.yml", srv.URL)
	path := filepath.Join(b.TempDir(), "incremental.db")
	run := func() *engine.Report {
		d, err := sqlite.Open(b.Context(), path)
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		rep, err := engine.Run(b.Context(), p, engine.Options{Dest: d, Secrets: tokenStore{}, CheckpointRows: *benchCheckpoint})
		if err != nil {
			b.Fatal(err)
		}
		return rep
	}
	run()
	at := time.Now().UTC()
	for b.Loop() {
		b.StopTimer()
		at = at.Add(time.Hour)
		fake.Touch(*benchIssues/incrementalShare, at)
		b.StartTimer()
		if got := run().Resources["issues"].Records; got != int64(*benchIssues/incrementalShare) {
			b.Fatalf("loaded %d issues, want %d", got, *benchIssues/incrementalShare)
		}
	}
}
