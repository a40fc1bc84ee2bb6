package main

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/examples/fakeapi"
)

// BenchmarkRemergeSQLite loads the issues of BenchmarkRunSQLite once,
// untimed, and measures merging them again, unchanged, into the tables
// that load made: scenario (f) in process, for profiles of a re-merge:
//
//	go test ./internal/benchcmp -run '^$' -bench RemergeSQLite -benchtime 1x -issues 50000 -cpuprofile cpu.out
func BenchmarkRemergeSQLite(b *testing.B) {
	c := fakeapi.DemoConfig()
	c.Orgs, c.ProjectsPerOrg, c.IssuesPerOrg = 1, 20, *benchIssues
	srv := httptest.NewServer(fakeapi.New(c).Handler())
	defer srv.Close()
	p := benchPlan(b, "../../examples/bench/issues.yml", srv.URL)
	d, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "remerge.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	opts := engine.Options{Dest: d, Secrets: tokenStore{}, CheckpointRows: *benchCheckpoint}
	if _, err := engine.Run(b.Context(), p, opts); err != nil {
		b.Fatal(err)
	}
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
