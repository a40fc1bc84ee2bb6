package engine_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine"
)

// The vendors13 fakes follow the published documentation of security and
// developer-platform APIs (SentinelOne, Semgrep, Microsoft Defender for
// Endpoint, CircleCI, Buildkite, Chargebee, Harvest, Wiz); each names the
// pages it was written from. Their specs, written as a newcomer would from
// the README, are testdata/vendors13/<vendor>.yml.

// v13Spec returns testdata/vendors13/<vendor>.yml with each old of oldNew
// replaced by the new after it; an old the spec lacks fails t.
func v13Spec(t *testing.T, vendor string, oldNew ...string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "vendors13", vendor+".yml"))
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

// v13Serve serves h and runs the vendor's spec (or text, when not empty)
// against it into a new SQLite file, as curServe does.
func v13Serve(t *testing.T, h http.Handler, vendor, text string, env map[string]string, tune ...func(*engine.Options)) (curRun, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return v13Run(t, vendor, text, srv.URL, filepath.Join(t.TempDir(), vendor+".db"), env, tune...), srv.URL
}

// v13Run runs the vendor's spec (or text, when not empty) against apiURL
// into the SQLite file db, as curRunText does for testdata/apis.
func v13Run(t *testing.T, vendor, text, apiURL, db string, env map[string]string, tune ...func(*engine.Options)) curRun {
	t.Helper()
	if text == "" {
		text = v13Spec(t, vendor)
	}
	p := specPlan(t, filepath.Join("vendors13", vendor+".yml"), []byte(text), apiURL)
	logs := &syncBuffer{}
	o := engine.Options{
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }},
		Sleep:   noWait,
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range tune {
		f(&o)
	}
	rep, err := runInto(t, p, db, o)
	return curRun{rep: rep, err: err, logs: logs.String(), db: db}
}

// v13Locked returns a copy of what get returns, read under mu: a fake's
// handler may still be returning (its deferred unlock) when the run that
// asked it has.
func v13Locked[T any](mu *sync.Mutex, get func() []T) []T {
	mu.Lock()
	defer mu.Unlock()
	return append([]T(nil), get()...)
}
