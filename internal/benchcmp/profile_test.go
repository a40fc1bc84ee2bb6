package main

import (
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations/postgres"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/examples/fakeapi"
)

var (
	benchIssues     = flag.Int("issues", 20_000, "issues of BenchmarkRunSQLite")
	benchCheckpoint = flag.Int("checkpoint-rows", 0, "engine.Options.CheckpointRows of BenchmarkRunSQLite (0: the default)")
)

// BenchmarkRunSQLite runs the issues benchmark spec in process against
// an in-process fake, for CPU and allocation profiles of a whole run
// (the driver measures the pipe binary; this is where to look inside):
//
//	go test ./internal/benchcmp -run '^$' -bench RunSQLite -benchtime 1x -issues 50000 -cpuprofile cpu.out
func BenchmarkRunSQLite(b *testing.B) {
	c := fakeapi.DemoConfig()
	c.Orgs, c.ProjectsPerOrg, c.IssuesPerOrg = 1, 20, *benchIssues
	srv := httptest.NewServer(fakeapi.New(c).Handler())
	defer srv.Close()
	p := benchPlan(b, "../../examples/bench/issues.yml", srv.URL)
	dir := b.TempDir()
	n := 0
	for b.Loop() {
		n++
		d, err := sqlite.Open(b.Context(), filepath.Join(dir, "run"+strconv.Itoa(n)+".db"))
		if err != nil {
			b.Fatal(err)
		}
		rep, err := engine.Run(b.Context(), p, engine.Options{Dest: d, Secrets: tokenStore{}, CheckpointRows: *benchCheckpoint})
		if err != nil {
			b.Fatal(err)
		}
		if got := rep.Resources["issues"].Records; got != int64(*benchIssues) {
			b.Fatalf("loaded %d issues, want %d", got, *benchIssues)
		}
		d.Close()
	}
	b.ReportMetric(float64(*benchIssues)*float64(b.N)/b.Elapsed().Seconds(), "issues/s")
}

// BenchmarkRunPostgres is BenchmarkRunSQLite into a fresh schema of the
// Postgres server of $PIPE_TEST_POSTGRES (else postgres@localhost); it
// skips without one.
func BenchmarkRunPostgres(b *testing.B) {
	dsn := os.Getenv("PIPE_TEST_POSTGRES")
	if dsn == "" {
		dsn = defaultPostgres
	}
	pg, ok, err := openPostgres(b.Context(), dsn)
	if err != nil || !ok {
		b.Skipf("no postgres: %v", err)
	}
	defer pg.close()
	c := fakeapi.DemoConfig()
	c.Orgs, c.ProjectsPerOrg, c.IssuesPerOrg = 1, 20, *benchIssues
	srv := httptest.NewServer(fakeapi.New(c).Handler())
	defer srv.Close()
	p := benchPlan(b, "../../examples/bench/issues.yml", srv.URL)
	target := pg.schemaTarget(b.Context(), "pipe_profile_", "schema")
	n := 0
	for b.Loop() {
		n++
		tg, err := target(n)
		if err != nil {
			b.Fatal(err)
		}
		d, err := postgres.Open(b.Context(), tg.dest)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := engine.Run(b.Context(), p, engine.Options{Dest: d, Secrets: tokenStore{}, CheckpointRows: *benchCheckpoint, MaxIdentLen: 63})
		if err != nil {
			b.Fatal(err)
		}
		if got := rep.Resources["issues"].Records; got != int64(*benchIssues) {
			b.Fatalf("loaded %d issues, want %d", got, *benchIssues)
		}
		d.Close()
		if err := tg.clean(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(*benchIssues)*float64(b.N)/b.Elapsed().Seconds(), "issues/s")
}

// tokenStore holds the fake's demo token under every name.
type tokenStore struct{}

func (tokenStore) Get(context.Context, string) (string, error) { return "demo-token", nil }

var _ secrets.Store = tokenStore{}

func benchPlan(tb testing.TB, file, apiURL string) *plan.Plan {
	tb.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := spec.Load(file, data)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := plan.Build(s, plan.Options{Vars: map[string]string{"api_url": apiURL}, LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
