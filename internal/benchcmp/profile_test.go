package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/secrets"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/examples/fakeapi"
)

// BenchmarkRunSQLite runs the issues benchmark spec in process against
// an in-process fake, for CPU and allocation profiles of the whole run:
//
//	go test ./internal/benchcmp -run '^$' -bench RunSQLite -benchtime 1x -cpuprofile cpu.out
func BenchmarkRunSQLite(b *testing.B) {
	issues := 20_000
	if s := os.Getenv("PIPE_BENCH_ISSUES"); s != "" {
		issues, _ = strconv.Atoi(s)
	}
	c := fakeapi.DemoConfig()
	c.Orgs, c.ProjectsPerOrg, c.IssuesPerOrg = 1, 20, issues
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
		rep, err := engine.Run(b.Context(), p, engine.Options{Dest: d, Secrets: tokenStore{}})
		if err != nil {
			b.Fatal(err)
		}
		if got := rep.Resources["issues"].Records; got != int64(issues) {
			b.Fatalf("loaded %d issues, want %d", got, issues)
		}
		d.Close()
	}
	b.ReportMetric(float64(issues)*float64(b.N)/b.Elapsed().Seconds(), "issues/s")
}

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
