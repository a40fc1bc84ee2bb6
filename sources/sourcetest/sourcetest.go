// Package sourcetest runs the shipped specs in tests: it loads one by
// name, plans it, and runs it into a SQLite file through the engine, as
// the contract tests of sources/snyk and sources/checkmarx_sca do against
// the bundled fakes.
package sourcetest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/sources"
)

// Spec loads the shipped spec name.
func Spec(t testing.TB, name string) *spec.Spec {
	t.Helper()
	file, data, err := sources.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load(file, data)
	if err != nil {
		t.Fatalf("load the shipped spec %s: %v", name, err)
	}
	return s
}

// Plan loads the shipped spec name and resolves it with vars and, if
// any, the resources to select; no PIPE_VAR_* is read.
func Plan(t testing.TB, name string, vars map[string]string, resources ...string) *plan.Plan {
	t.Helper()
	p, err := plan.Build(Spec(t, name), plan.Options{Vars: vars, Resources: resources, LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

// WithoutClientRateLimits drops the spec's own request pacing (client
// and endpoint rate_limit): it waits on the wall clock, which would only
// slow the tests down. The fakes' limits still apply where a test sets them.
func WithoutClientRateLimits(p *plan.Plan) *plan.Plan {
	p.RateLimit = nil
	for _, r := range p.Resources {
		r.RateLimit = nil
	}
	return p
}

// Run executes p into the SQLite file db with the secrets in env (by
// environment variable name) and fails the test unless the load
// completes. sleep replaces retry waits; nil means none.
func Run(t testing.TB, p *plan.Plan, db string, env map[string]string, sleep func(context.Context, time.Duration) error) *engine.Report {
	t.Helper()
	ctx := context.Background()
	dest, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	if sleep == nil {
		sleep = func(context.Context, time.Duration) error { return nil }
	}
	rep, err := engine.Run(ctx, p, engine.Options{
		Dest:    dest,
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }},
		Sleep:   sleep,
	})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if rep.Status != "completed" {
		t.Fatalf("run status %q", rep.Status)
	}
	return rep
}

// StatusWriter records the status a handler answers with, for fakes
// wrapped by tests that count 401s, 429s and 5xx.
type StatusWriter struct {
	http.ResponseWriter
	Status int
}

// WriteHeader records the first status written.
func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records 200 if no status was written first.
func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
