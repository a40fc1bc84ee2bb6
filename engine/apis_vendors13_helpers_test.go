package engine_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine"
)

// The vendors13 fakes follow the published documentation of security and
// developer-platform APIs (SentinelOne, Semgrep, Microsoft Defender for
// Endpoint, CircleCI, Buildkite, Chargebee, Harvest, Wiz); each names the
// pages it was written from. Their specs, written as a newcomer would from
// the README, are testdata/vendors13/<vendor>.yml.

// v13Spec returns testdata/vendors13/<vendor>.yml edited as specIn does.
func v13Spec(t *testing.T, vendor string, oldNew ...string) string {
	t.Helper()
	return specIn(t, "vendors13", vendor, oldNew...)
}

// v13Serve is serveSpecIn for testdata/vendors13.
func v13Serve(t *testing.T, h http.Handler, vendor, text string, env map[string]string, tune ...func(*engine.Options)) (curRun, string) {
	t.Helper()
	return serveSpecIn(t, h, "vendors13", vendor, text, env, tune...)
}

// v13Run is runSpecIn for testdata/vendors13.
func v13Run(t *testing.T, vendor, text, apiURL, db string, env map[string]string, tune ...func(*engine.Options)) curRun {
	t.Helper()
	return runSpecIn(t, "vendors13", vendor, text, apiURL, db, env, tune...)
}

// v13Locked returns a copy of what get returns, read under mu: a fake's
// handler may still be returning (its deferred unlock) when the run that
// asked it has.
func v13Locked[T any](mu *sync.Mutex, get func() []T) []T {
	mu.Lock()
	defer mu.Unlock()
	return append([]T(nil), get()...)
}
