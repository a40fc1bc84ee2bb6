package engine_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// runPlan runs testdata/<file> with the plan adjusted by tune.
func runPlan(t *testing.T, file, apiURL, db string, tune func(*plan.Plan)) error {
	t.Helper()
	_, err := runTuned(t, file, apiURL, db, "s3cret", tune)
	return err
}

// dump returns every row of every data table as sorted text, without the
// columns that differ between loads by design (load id).
func dump(t *testing.T, path string) string {
	t.Helper()
	db := openDB(t, path)
	tables := queryStrings(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_pipe\_%' ESCAPE '\' ORDER BY name`)
	var out []string
	for _, table := range tables {
		var lines []string
		eachRow(t, db, `SELECT * FROM "`+table+`"`, func(cols []string, vals []any) {
			var cells []string
			for i, c := range cols {
				if c != "_pipe_load_id" {
					cells = append(cells, fmt.Sprintf("%s=%v", c, vals[i]))
				}
			}
			sort.Strings(cells)
			lines = append(lines, strings.Join(cells, " "))
		})
		sort.Strings(lines)
		out = append(out, table+":\n"+strings.Join(lines, "\n"))
	}
	return strings.Join(out, "\n")
}

// eachRow runs q and calls f with the column names and the values of
// each row, text as string.
func eachRow(t *testing.T, db *sql.DB, q string, f func(cols []string, vals []any)) {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		f(cols, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestConcurrentRunEqualsSequentialRun loads the same three-level API
// with one request at a time and with eight, and compares every row.
func TestConcurrentRunEqualsSequentialRun(t *testing.T) {
	api := &acmeAPI{orgs: 7, projectsPerOrg: 5, depsPerProject: 3}
	srv := api.server(t)
	dir := t.TempDir()
	seq, par := filepath.Join(dir, "seq.db"), filepath.Join(dir, "par.db")
	if err := runPlan(t, "three_levels.yml", srv.URL, seq, func(p *plan.Plan) { p.Concurrency = 1 }); err != nil {
		t.Fatal(err)
	}
	if err := runPlan(t, "three_levels.yml", srv.URL, par, func(p *plan.Plan) { p.Concurrency = 8 }); err != nil {
		t.Fatal(err)
	}
	a, b := dump(t, seq), dump(t, par)
	if a != b {
		t.Errorf("concurrent rows differ from sequential rows:\nsequential:\n%s\nconcurrent:\n%s", a, b)
	}
	if !strings.Contains(a, "deps:\n") || strings.Count(a, "_projects_id=") != 7*5*3 {
		t.Errorf("the dump does not hold the expected 105 deps rows:\n%.500s", a)
	}
}

// inFlight wraps a handler, counting requests in flight and the peak.
type inFlight struct {
	now, peak atomic.Int64
	delay     time.Duration
	h         http.Handler
}

func (f *inFlight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.now.Add(1)
	defer f.now.Add(-1)
	for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
	}
	time.Sleep(f.delay)
	f.h.ServeHTTP(w, r)
}

// TestConcurrencyLimitHolds: with client.concurrency 3, the fake never
// sees more than 3 requests at once across parents and children, and
// does see several (children of different parents run in parallel).
func TestConcurrencyLimitHolds(t *testing.T) {
	api := &acmeAPI{orgs: 6, projectsPerOrg: 4, depsPerProject: 2}
	f := &inFlight{delay: 5 * time.Millisecond, h: api.server(t).Config.Handler}
	srv := httptest.NewServer(f)
	defer srv.Close()
	if err := runPlan(t, "three_levels.yml", srv.URL, filepath.Join(t.TempDir(), "a.db"), func(p *plan.Plan) { p.Concurrency = 3 }); err != nil {
		t.Fatal(err)
	}
	if p := f.peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak requests in flight = %d, want at most 3 and more than 1", p)
	}
}

// TestRateBudgetSpacesRequests: a budget of 40 requests/s, burst 1, shared
// by parents and children, spaces the requests the fake receives.
func TestRateBudgetSpacesRequests(t *testing.T) {
	api := &acmeAPI{orgs: 4, projectsPerOrg: 2, depsPerProject: 1}
	var mu sync.Mutex
	var times []time.Time
	inner := api.server(t).Config.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		inner.ServeHTTP(w, r)
	}))
	defer srv.Close()
	err := runPlan(t, "three_levels.yml", srv.URL, filepath.Join(t.TempDir(), "a.db"), func(p *plan.Plan) {
		p.Concurrency = 8
		p.RateLimit = &spec.RateLimit{RequestsPerSecond: 40, Burst: 1}
	})
	if err != nil {
		t.Fatal(err)
	}
	n := len(times)
	span := times[n-1].Sub(times[0])
	// n requests at 40/s need at least (n-1) x 25 ms; allow 20% for timer slack.
	if min := time.Duration(n-1) * 25 * time.Millisecond * 8 / 10; span < min {
		t.Errorf("%d requests in %s, want at least %s at 40/s", n, span, min)
	}
}
