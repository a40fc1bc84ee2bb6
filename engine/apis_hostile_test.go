package engine_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// The vendor tests of this file run specs written from the public docs of
// APIs this repo had not modelled (testdata/apis/<vendor>.yml) against
// fakes of those APIs, one httptest server per origin, and check where
// every credential went, that the database holds exactly what the fakes
// served, and that no secret reached an error, a log line or the
// database file.

// vendorOrigin is one origin of a vendor fake: it records every request
// (method, URL, headers, body, basic credentials decoded) so that a test
// can count the requests that carried each secret there.
type vendorOrigin struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []string
}

func newVendorOrigin(t *testing.T, h http.Handler) *vendorOrigin {
	t.Helper()
	o := &vendorOrigin{}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		line := fmt.Sprintf("%s %s %v %s", r.Method, r.URL, r.Header, body)
		if u, p, ok := r.BasicAuth(); ok {
			line += " basic=" + u + ":" + p
		}
		o.mu.Lock()
		o.reqs = append(o.reqs, line)
		o.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

// requests returns how many requests the origin got.
func (o *vendorOrigin) requests() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.reqs)
}

// carrying returns how many requests held secret raw, URL-encoded or
// base64-encoded (in a header, the URL, the body or basic credentials).
func (o *vendorOrigin) carrying(secret string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, r := range o.reqs {
		for _, f := range secretForms(secret) {
			if strings.Contains(r, f) {
				n++
				break
			}
		}
	}
	return n
}

// secretForms are the encodings of a secret the vendor tests look for.
func secretForms(s string) []string {
	return []string{s, url.QueryEscape(s), url.PathEscape(s), jsonEscaped(s), base64.StdEncoding.EncodeToString([]byte(s))}
}

// vendorRun is the outcome of one run of a vendor spec.
type vendorRun struct {
	rep   *engine.Report
	err   error
	logs  string
	db    string
	waits curSleeps // the retry waits the run asked for
}

// waited returns the retry waits asked so far.
func (v *vendorRun) waited() []time.Duration { return v.waits.all() }

// syncBuffer is a bytes.Buffer safe for the log handler's writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runVendor runs testdata/apis/<vendor>.yml with vars, the secrets env
// (upper-cased names), debug logs captured and retry waits recorded, into
// a new SQLite file (or db, when not empty).
func runVendor(t *testing.T, vendor string, vars, env map[string]string, db string) *vendorRun {
	t.Helper()
	return runVendorSpec(t, vendor, vendorSpec(t, vendor), vars, env, db)
}

// vendorSpec returns the text of testdata/apis/<vendor>.yml.
func vendorSpec(t *testing.T, vendor string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "apis", vendor+".yml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// runVendorSpec is runVendor with the spec's text given (a variant of a
// vendor's spec).
func runVendorSpec(t *testing.T, vendor, text string, vars, env map[string]string, db string) *vendorRun {
	t.Helper()
	p := vendorPlan(t, vendor, text, vars)
	if db == "" {
		db = filepath.Join(t.TempDir(), vendor+".db")
	}
	v := &vendorRun{db: db}
	logs := &syncBuffer{}
	o := engine.Options{
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { s, ok := env[k]; return s, ok }},
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	v.waits.tune(&o)
	v.rep, v.err = runInto(t, p, db, o)
	v.logs = logs.String()
	return v
}

// noSecretLeft fails the test if any form of any secret is in the run's
// error, its logs or its database file (WAL included).
func (v *vendorRun) noSecretLeft(t *testing.T, secrets ...string) {
	t.Helper()
	file, _ := os.ReadFile(v.db)
	if wal, err := os.ReadFile(v.db + "-wal"); err == nil {
		file = append(file, wal...)
	}
	errText := ""
	if v.err != nil {
		errText = v.err.Error()
	}
	for _, s := range secrets {
		for _, f := range secretForms(s) {
			for where, text := range map[string]string{"error": errText, "logs": v.logs, "database": string(file)} {
				if strings.Contains(text, f) {
					t.Errorf("the %s holds a secret as %q", where, f)
				}
			}
		}
	}
}

// rowsOf returns every row of query, each as its values joined by spaces.
func rowsOf(t *testing.T, path, query string) []string {
	t.Helper()
	var out []string
	eachRow(t, openDB(t, path), query, func(_ []string, vals []any) { out = append(out, fmtRow(vals...)) })
	return out
}

// sameRows fails the test unless got and want are equal, row by row.
func sameRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d:\n%s\nwant:\n%s", what, len(got), len(want), strings.Join(got, "\n"), strings.Join(want, "\n"))
		return
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s row %d:\n got %s\nwant %s", what, i, got[i], want[i])
		}
	}
}

// vendorPlan loads text as the spec <vendor>.yml and builds its plan with
// vars, failing t on an error.
func vendorPlan(t *testing.T, vendor, text string, vars map[string]string) *plan.Plan {
	t.Helper()
	s, err := spec.Load(vendor+".yml", []byte(text))
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	p, err := plan.Build(s, plan.Options{Vars: vars, LookupEnv: noEnv})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}
