package engine_test

import (
	"cmp"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine"
)

// The fakes of this file follow the public documentation of APIs that
// page by links (a Link header, or a next URL in the body), each named
// above its fake. Every test loads the vendor's spec from
// testdata/apis/<vendor>.yml into a real SQLite file and compares the
// tables with what the fake served; the hostile variants end either with
// exactly that data or with a specific error, and never send the
// credential to a host the spec does not name.

// linksServer is a fake API on a test server that counts the requests it
// got and those that carried the credential (in a header or the URL).
type linksServer struct {
	*httptest.Server
	cred               string
	requests, withCred atomic.Int32
}

func newLinksServer(t *testing.T, cred string, h http.Handler) *linksServer {
	t.Helper()
	s := &linksServer{cred: cred}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if linksCarries(r, cred) {
			s.withCred.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// linksCarries reports whether r holds cred in its URL or any header.
func linksCarries(r *http.Request, cred string) bool {
	if strings.Contains(r.URL.String(), cred) {
		return true
	}
	for _, vs := range r.Header {
		for _, v := range vs {
			if strings.Contains(v, cred) {
				return true
			}
		}
	}
	return false
}

// linksLoad runs testdata/apis/<vendor>.yml against apiURL into the
// SQLite file db, the secrets read from env, with the resources selected
// (all if none).
func linksLoad(t *testing.T, vendor, apiURL, db string, env map[string]string, resources ...string) (*engine.Report, error) {
	t.Helper()
	return runInto(t, specPlan(t, vendor+".yml", linksSpec(t, vendor), apiURL, resources...), db, linksOpts(env))
}

// linksSpec returns the text of testdata/apis/<vendor>.yml.
func linksSpec(t *testing.T, vendor string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "apis", vendor+".yml"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// linksOpts are the run options of these tests: the secrets read from
// env, retries without waiting.
func linksOpts(env map[string]string) engine.Options {
	return engine.Options{
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }},
		Sleep:   noWait,
	}
}

// linksRows returns the rows of q, each as its values joined by "|" (a
// NULL as "NULL"), in the order q gives.
func linksRows(t *testing.T, path, q string) []string {
	t.Helper()
	db := openDB(t, path)
	var out []string
	eachRow(t, db, q, func(_ []string, vals []any) {
		cells := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				cells[i] = "NULL"
			case []byte:
				cells[i] = string(v)
			default:
				cells[i] = fmt.Sprint(v)
			}
		}
		out = append(out, strings.Join(cells, "|"))
	})
	return out
}

// linksCompare fails t unless got and want hold the same lines in the
// same order.
func linksCompare(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot  %d rows\n%s\nwant %d rows\n%s", what, len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
}

// linksFailed checks a failed run: err wraps sentinel (when not nil), its
// text holds each of msgs (with the fake's address as http://api.test),
// never the secret, and the database holds no row of the resource.
func linksFailed(t *testing.T, rep *engine.Report, err, sentinel error, srvURL, secret, db, table string, msgs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("run succeeded (report %+v), want an error", rep)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Errorf("err = %v, want it to wrap %v", err, sentinel)
	}
	text := strings.ReplaceAll(err.Error(), srvURL, "http://api.test")
	for _, m := range msgs {
		if !strings.Contains(text, m) {
			t.Errorf("err = %s\nwant it to hold %s", text, m)
		}
	}
	if strings.Contains(text, secret) {
		t.Errorf("err holds the secret: %s", text)
	}
	d := openDB(t, db)
	if linksTableExists(t, d, table) {
		if n := count(t, d, `SELECT count(*) FROM "`+table+`"`); n != 0 {
			t.Errorf("a failed first load left %d rows in %s", n, table)
		}
	}
}

func linksTableExists(t *testing.T, db *sql.DB, table string) bool {
	t.Helper()
	return count(t, db, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table) == 1
}

// linksTable returns the rows of table ordered by order, each as the
// SQL literals (quote()) of cols joined by "|", so a value's type shows:
// 'text', 42, 1.5, NULL. It fails t when the table has columns besides
// cols and pipe's own (_pipe_*, and the parent link of child tables).
func linksTable(t *testing.T, path, table, order string, cols ...string) []string {
	t.Helper()
	db := openDB(t, path)
	want := map[string]bool{}
	for _, c := range cols {
		want[c] = true
	}
	var extra []string
	for _, c := range queryStrings(t, db, `SELECT name FROM pragma_table_info('`+table+`')`) {
		if !want[c] && !strings.HasPrefix(c, "_pipe_") {
			extra = append(extra, c)
		}
		delete(want, c)
	}
	if len(extra) > 0 || len(want) > 0 {
		t.Errorf("table %s: columns %v not expected, %v missing", table, extra, want)
	}
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = `quote("` + c + `")`
	}
	return linksRows(t, path, `SELECT `+strings.Join(q, "||'|'||")+` FROM "`+table+`" ORDER BY `+order)
}

// linksHostile is one hostile answer of a vendor's link walk: the fake's
// mode and, when set, a wrong credential; the run must fail with
// sentinel and msgs.
type linksHostile struct {
	mode, cred string
	sentinel   error
	msgs       []string
}

// linksVendor is what runHostileLinks needs of a vendor: its spec in
// testdata/apis, the table its errors name, the good credential and the
// environment that passes one, the empty page another host answers, and
// a fake in a mode that may link to that other host.
type linksVendor struct {
	name, table, cred, empty string
	env                      func(cred string) map[string]string
	api                      func(foreign, mode string) http.Handler
}

// runHostileLinks runs each case against a fresh fake; the other host it
// may link to must get no request.
func runHostileLinks(t *testing.T, v linksVendor, cases []linksHostile) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.mode+tt.cred, func(t *testing.T) {
			evil := newLinksServer(t, v.cred, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, v.empty) }))
			srv := newLinksServer(t, v.cred, v.api(evil.URL, tt.mode))
			db := filepath.Join(t.TempDir(), v.name+".db")
			cred := cmp.Or(tt.cred, v.cred)
			rep, err := linksLoad(t, v.name, srv.URL, db, v.env(cred))
			linksFailed(t, rep, err, tt.sentinel, srv.URL, cred, db, v.table, tt.msgs...)
			if n := evil.requests.Load(); n != 0 {
				t.Errorf("the other host got %d requests (%d with the credential)", n, evil.withCred.Load())
			}
		})
	}
}
