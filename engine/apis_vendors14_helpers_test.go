package engine_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
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

// v14Spec returns testdata/vendors14/<vendor>.yml with each old of oldNew
// replaced by the new after it; an old the spec lacks fails t.
func v14Spec(t *testing.T, vendor string, oldNew ...string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "vendors14", vendor+".yml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for i := 0; i+1 < len(oldNew); i += 2 {
		if !strings.Contains(text, oldNew[i]) {
			t.Fatalf("%s.yml has no %q", vendor, oldNew[i])
		}
		text = strings.ReplaceAll(text, oldNew[i], oldNew[i+1])
	}
	return text
}

// v14Serve serves h and runs the vendor's spec (or text, when not empty)
// against it into a new SQLite file, waiting until every request pipe
// began was answered (as curServe does).
func v14Serve(t *testing.T, h http.Handler, vendor, text string, env map[string]string, tune ...func(*engine.Options)) (curRun, string) {
	t.Helper()
	f := &inflight{h: h}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	if text == "" {
		text = v14Spec(t, vendor)
	}
	r := v14Run(t, vendor, text, srv.URL, filepath.Join(t.TempDir(), vendor+".db"), env, tune...)
	f.settle(t)
	return r, srv.URL
}

// v14Run runs text, the vendor's spec, against apiURL into the SQLite
// file db, as v13Run does for testdata/vendors13.
func v14Run(t *testing.T, vendor, text, apiURL, db string, env map[string]string, tune ...func(*engine.Options)) curRun {
	t.Helper()
	if text == "" {
		text = v14Spec(t, vendor)
	}
	return v13Run(t, vendor, text, apiURL, db, env, tune...)
}
