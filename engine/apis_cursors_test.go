package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine"
)

// The fakes in this file follow the public documentation of APIs that
// page with a cursor, an offset or a token in the JSON body (Slack,
// Intercom, PagerDuty, Airtable, Asana); each names the pages it was
// written from. Each test runs the spec a newcomer would write from those
// docs (testdata/apis/<vendor>.yml) into a real SQLite file, compares the
// tables with what the fake served, and runs the hostile variants the docs
// allow: each must end with the exact data or a specific error.

// curRun is the outcome of one run of a vendor spec.
type curRun struct {
	rep  *engine.Report
	err  error
	logs string
	db   string
}

// curRunSpec runs testdata/apis/<vendor>.yml against apiURL into the SQLite
// file db, the secret env[NAME] read from the environment variable NAME,
// logging at debug level.
func curRunSpec(t *testing.T, vendor, apiURL, db string, env map[string]string) curRun {
	t.Helper()
	return curRunText(t, vendor, "", apiURL, db, env)
}

// curRunText is curRunSpec with the spec's text replaced by text when it is
// not empty (a variant of the vendor's spec), and the options adjusted by
// tune.
func curRunText(t *testing.T, vendor, text, apiURL, db string, env map[string]string, tune ...func(*engine.Options)) curRun {
	t.Helper()
	return runSpecIn(t, "apis", vendor, text, apiURL, db, env, tune...)
}

// runSpecIn runs testdata/<dir>/<vendor>.yml (or text, when not empty)
// against apiURL into the SQLite file db, the secret env[NAME] read from
// the environment variable NAME, logging at debug level, the options
// adjusted by tune.
func runSpecIn(t *testing.T, dir, vendor, text, apiURL, db string, env map[string]string, tune ...func(*engine.Options)) curRun {
	t.Helper()
	if text == "" {
		text = specIn(t, dir, vendor)
	}
	p := specPlan(t, filepath.Join(dir, vendor+".yml"), []byte(text), apiURL)
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

// curServe serves h on a new test server and runs the vendor's spec (or
// text, when not empty) against it into a new SQLite file, as
// curRunText; it returns the run and the server's URL.
func curServe(t *testing.T, h http.Handler, vendor, text string, env map[string]string, tune ...func(*engine.Options)) (curRun, string) {
	t.Helper()
	return serveSpecIn(t, h, "apis", vendor, text, env, tune...)
}

// serveSpecIn serves h on a new test server and runs
// testdata/<dir>/<vendor>.yml (or text) against it into a new SQLite file,
// as runSpecIn; it waits until every request pipe began was answered,
// and returns the run and the server's URL.
func serveSpecIn(t *testing.T, h http.Handler, dir, vendor, text string, env map[string]string, tune ...func(*engine.Options)) (curRun, string) {
	t.Helper()
	f := &inflight{h: h}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	r := runSpecIn(t, dir, vendor, text, srv.URL, filepath.Join(t.TempDir(), vendor+".db"), env, tune...)
	f.settle(t)
	return r, srv.URL
}

// inflight serves h counting the requests being served, so that a test
// reads its fake only once every request pipe began was answered: a run
// that fails may return while a page it asked ahead, or another chain's
// page, is still being served.
type inflight struct {
	h  http.Handler
	mu sync.Mutex
	n  int
}

func (f *inflight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.n--
		f.mu.Unlock()
	}()
	f.h.ServeHTTP(w, r)
}

// settle waits until no request is being served, for at most 30 seconds
// (a hostile fake may hold a request until its test releases it).
func (f *inflight) settle(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		f.mu.Lock()
		n := f.n
		f.mu.Unlock()
		if n == 0 {
			return
		}
	}
	t.Log("requests still being served 30 s after the run returned")
}

// curRows returns each row of q as its values joined by "|", NULL as <nil>.
func curRows(t *testing.T, path, q string) []string {
	t.Helper()
	var out []string
	eachRow(t, openDB(t, path), q, func(_ []string, vals []any) {
		cells := make([]string, len(vals))
		for i, v := range vals {
			cells[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(cells, "|"))
	})
	return out
}

// curSameRows fails t when got and want differ, naming q.
func curSameRows(t *testing.T, q string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s\ngot:\n  %s\nwant:\n  %s", q, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// checkTable compares the rows of q in the database of r with want.
func (r curRun) checkTable(t *testing.T, q string, want []string) {
	t.Helper()
	curSameRows(t, q, curRows(t, r.db, q), want)
}

// mustLoad fails t unless the run completed.
func (r curRun) mustLoad(t *testing.T) {
	t.Helper()
	if r.err != nil || r.rep == nil || r.rep.Status != "completed" {
		t.Fatalf("run: %v (report %+v)\nlogs:\n%s", r.err, r.rep, r.logs)
	}
}

// mustFail fails t unless the run failed with an error whose text, with
// srvURL written as http://api.test, holds every one of parts.
func (r curRun) mustFail(t *testing.T, srvURL string, parts ...string) {
	t.Helper()
	if r.err == nil {
		t.Fatalf("run completed (report %+v), want an error holding %q", r.rep, parts)
	}
	if r.rep != nil && r.rep.Status == "completed" {
		t.Errorf("status %q after %v", r.rep.Status, r.err)
	}
	msg := strings.ReplaceAll(r.err.Error(), srvURL, "http://api.test")
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("err = %s\nwant it to hold %s", msg, p)
		}
	}
}

// noSecret fails t when secret appears in the run's error, its logs or
// any text value of any table of its database.
func (r curRun) noSecret(t *testing.T, secret string) {
	t.Helper()
	if r.err != nil && strings.Contains(r.err.Error(), secret) {
		t.Errorf("the error holds the secret: %v", r.err)
	}
	if strings.Contains(r.logs, secret) {
		t.Errorf("the logs hold the secret")
	}
	db := openDB(t, r.db)
	for _, table := range queryStrings(t, db, `SELECT name FROM sqlite_master WHERE type = 'table'`) {
		eachRow(t, db, `SELECT * FROM "`+table+`"`, func(cols []string, vals []any) {
			for i, v := range vals {
				if s, ok := v.(string); ok && strings.Contains(s, secret) {
					t.Errorf("table %s column %s holds the secret", table, cols[i])
				}
			}
		})
	}
}

// noTable fails t when the database of r has a table name with rows: a
// failed first load must leave nothing.
func (r curRun) noRows(t *testing.T, names ...string) {
	t.Helper()
	db := openDB(t, r.db)
	for _, name := range names {
		if count(t, db, `SELECT count(*) FROM sqlite_master WHERE name = ?`, name) == 0 {
			continue
		}
		if n := count(t, db, `SELECT count(*) FROM "`+name+`"`); n != 0 {
			t.Errorf("a failed load left %d rows in %s", n, name)
		}
	}
}

// curBearer reports whether r carries the token as a Bearer credential.
func curBearer(r *http.Request, token string) bool {
	return r.Header.Get("Authorization") == "Bearer "+token
}

func curWrite(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func curJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// curNullable renders v as the rows helper reads it back.
func curNullable(v any) string {
	if v == nil {
		return "<nil>"
	}
	return fmt.Sprint(v)
}

// curTestdata returns the text of testdata/apis/<vendor>.yml.
func curTestdata(t *testing.T, vendor string) string {
	t.Helper()
	return specIn(t, "apis", vendor)
}

// specIn returns testdata/<dir>/<vendor>.yml with each old of oldNew
// replaced by the new after it; an old the spec lacks fails t.
func specIn(t *testing.T, dir, vendor string, oldNew ...string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", dir, vendor+".yml"))
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

// curSleeps records the waits of a run (tune sets engine.Options.Sleep).
type curSleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *curSleeps) tune(o *engine.Options) {
	o.Sleep = func(_ context.Context, d time.Duration) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.d = append(s.d, d)
		return nil
	}
}

// all returns the waits recorded so far.
func (s *curSleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// check fails t unless the API got want requests (got) and the run
// waited as wantWaits prints ("[]", "[3s]").
func (s *curSleeps) check(t *testing.T, got, want int32, wantWaits string) {
	t.Helper()
	if got != want {
		t.Errorf("%d requests, want %d", got, want)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := fmt.Sprint(s.d); w != wantWaits {
		t.Errorf("waits %s, want %s", w, wantWaits)
	}
}

// curEdited returns testdata/apis/<vendor>.yml with each old of oldNew
// replaced by the new after it; an old the spec lacks fails t.
func curEdited(t *testing.T, vendor string, oldNew ...string) string {
	t.Helper()
	return specIn(t, "apis", vendor, oldNew...)
}

// failedClean asserts a run that failed naming parts, wrapping sentinel
// when it is not nil, with no row in tables and secret nowhere.
func (r curRun) failedClean(t *testing.T, srvURL string, sentinel error, secret string, tables []string, parts ...string) {
	t.Helper()
	r.mustFail(t, srvURL, parts...)
	if sentinel != nil && !errors.Is(r.err, sentinel) {
		t.Errorf("err = %v, want %v", r.err, sentinel)
	}
	r.noRows(t, tables...)
	r.noSecret(t, secret)
}

// curQueryInt returns the integer query parameter name of q, def when it
// is absent (0 when it is not a number, as a fake's strconv.Atoi reads it).
func curQueryInt(q url.Values, name string, def int) int {
	s := q.Get(name)
	if s == "" {
		return def
	}
	n, _ := strconv.Atoi(s)
	return n
}
