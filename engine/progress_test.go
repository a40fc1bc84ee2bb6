package engine_test

import (
	"path/filepath"
	"testing"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// TestRateWaitIsWallTime: with eight chains waiting on one budget at
// once, a resource's rate-limit wait is the time during which some of its
// requests waited, never more than the run took (a sum of the concurrent
// waits is several times that).
func TestRateWaitIsWallTime(t *testing.T) {
	api := &acmeAPI{orgs: 4, projectsPerOrg: 4, depsPerProject: 1}
	srv := api.server(t)
	rep, err := runTuned(t, "three_levels.yml", srv.URL, filepath.Join(t.TempDir(), "a.db"), "s3cret", func(p *plan.Plan) {
		p.Concurrency = 8
		p.RateLimit = &spec.RateLimit{RequestsPerSecond: 100, Burst: 1}
	})
	if err != nil {
		t.Fatal(err)
	}
	deps := rep.Resources["deps"]
	if deps.RateWait <= 0 {
		t.Fatalf("deps waited %s for the rate limit, want some wait", deps.RateWait)
	}
	for name, s := range rep.Resources {
		if s.RateWait > rep.Elapsed {
			t.Errorf("%s: %s waiting for the rate limit in a run of %s", name, s.RateWait, rep.Elapsed)
		}
	}
	if deps.Requests != 16 || deps.Retries != 0 || deps.Errors != 0 {
		t.Errorf("deps: %d requests, %d retries, %d errors; want 16, 0, 0", deps.Requests, deps.Retries, deps.Errors)
	}
}

// TestChainCountsForETA: every resource ends with all its request
// chains submitted, known to be all, and ended: one per root, one per
// parent record below, which progress turns into an ETA on the way.
func TestChainCountsForETA(t *testing.T) {
	api := &acmeAPI{orgs: 3, projectsPerOrg: 2, depsPerProject: 1}
	srv := api.server(t)
	rep, err := runTuned(t, "three_levels.yml", srv.URL, filepath.Join(t.TempDir(), "a.db"), "s3cret", func(p *plan.Plan) {})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int64{"orgs": 1, "projects": 3, "deps": 6} {
		s := rep.Resources[name]
		if s == nil || !s.AllSubmitted || s.Submitted != want || s.Ended != want {
			t.Errorf("%s: %+v, want %d chains submitted, all known, all ended", name, s, want)
		}
	}
}
