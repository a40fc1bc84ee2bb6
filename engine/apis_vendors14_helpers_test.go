package engine_test

import (
	"net/http"
	"testing"

	"github.com/pipe-etl/pipe/engine"
)

// The vendors14 fakes follow the published documentation of APIs whose
// paging or auth no earlier fake modelled (Heroku's Range headers,
// HCP Terraform's JSON:API pages, Sonatype Nexus' continuationToken,
// 1Password's Events API cursors in a POST body, Dependency-Track's
// X-Total-Count); each names the pages it was written from. Their specs,
// written as a newcomer would from the README, are
// testdata/vendors14/<vendor>.yml.

// v14Spec returns testdata/vendors14/<vendor>.yml edited as specIn does.
func v14Spec(t *testing.T, vendor string, oldNew ...string) string {
	t.Helper()
	return specIn(t, "vendors14", vendor, oldNew...)
}

// v14Serve is serveSpecIn for testdata/vendors14.
func v14Serve(t *testing.T, h http.Handler, vendor, text string, env map[string]string, tune ...func(*engine.Options)) (curRun, string) {
	t.Helper()
	return serveSpecIn(t, h, "vendors14", vendor, text, env, tune...)
}
