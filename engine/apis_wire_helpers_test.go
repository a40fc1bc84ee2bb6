package engine_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// The wire tests (engine/apis_wire_*_test.go) attack pipe below the
// paginators: HTTP framing, what proxies and load balancers answer in
// an API's place, JSON text at its limits, content encodings and time.
// Each case serves page 1 of the bodies spec (apis_hostile_bodies_test.go)
// as the API would and page 2 broken, into a database that already holds
// a complete earlier load, and checks that the run either loads exactly
// what was served or fails naming the resource, the page's URL and what
// was wrong, leaving the database as it was, with the bearer token
// nowhere (error, logs, database file).

// wireEarlier is what the earlier, complete load stored: the same ids as
// bodiesPage1 and bodiesPage2 with other names, so that a failed run that
// wrote any page shows.
var wireEarlier = []string{"1 uno", "2 dos", "3 tres", "4 cuatro"}

// wireExact is what a complete load of bodiesPage1 and bodiesPage2 holds.
var wireExact = []string{"1 one", "2 two", "3 three", "4 four"}

// wireSpec is bodiesSpec under merge (so that a complete load replaces
// the earlier names) with lines added to its client block (retry
// settings, headers, max_response_bytes).
func wireSpec(client string) string {
	const pag = "  paginator: {type: json_link, next_url_path: next}"
	s := strings.Replace(bodiesSpec, "    primary_key: id\n", "    primary_key: id\n    write_disposition: merge\n", 1)
	if client == "" {
		return s
	}
	return strings.Replace(s, pag, pag+"\n"+client, 1)
}

// wireRun loads the earlier data into a new database, then runs the
// bodies spec (with client lines added) against api into it.
func wireRun(t *testing.T, api http.Handler, client string) (*vendorRun, *vendorOrigin) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "bodies.db")
	earlier := newVendorOrigin(t, &bodiesAPI{
		first:  `{"items": [{"id": 1, "name": "uno"}, {"id": 2, "name": "dos"}], "next": "/items?page=2"}`,
		second: servePage(`{"items": [{"id": 3, "name": "tres"}, {"id": 4, "name": "cuatro"}], "next": null}`),
	})
	first := runVendorSpec(t, "bodies", wireSpec(""), map[string]string{"api_url": earlier.srv.URL}, map[string]string{"BODIES_TOKEN": bodiesToken}, db)
	if first.err != nil {
		t.Fatalf("earlier load: %v", first.err)
	}
	o := newVendorOrigin(t, api)
	run := runVendorSpec(t, "bodies", wireSpec(client), map[string]string{"api_url": o.srv.URL}, map[string]string{"BODIES_TOKEN": bodiesToken}, db)
	run.noSecretLeft(t, bodiesToken)
	return run, o
}

// wirePage2 runs wireRun with page 2 served by second.
func wirePage2(t *testing.T, client string, second func(w http.ResponseWriter, r *http.Request, attempt int)) (*vendorRun, *vendorOrigin) {
	t.Helper()
	return wireRun(t, &bodiesAPI{second: second}, client)
}

// loaded fails t unless the run completed with exactly want in items.
func (v *vendorRun) loaded(t *testing.T, want []string) {
	t.Helper()
	if v.err != nil || v.rep == nil || v.rep.Status != "completed" {
		t.Fatalf("run: %v\nlogs:\n%s", v.err, v.logs)
	}
	sameRows(t, "items", rowsOf(t, v.db, `SELECT id, name FROM items ORDER BY id`), want)
}

// failedAsWas fails t unless the run failed with an error holding every
// one of parts ({base}: the fake's URL), left items as the earlier load
// stored them, and recorded the failure in _pipe_loads with an error
// holding the first part.
func (v *vendorRun) failedAsWas(t *testing.T, base string, parts ...string) {
	t.Helper()
	if v.err == nil {
		t.Fatalf("run completed, want an error holding %q", parts)
	}
	if v.rep != nil && v.rep.Status == "completed" {
		t.Errorf("status %q after %v", v.rep.Status, v.err)
	}
	for _, p := range parts {
		if p = strings.ReplaceAll(p, "{base}", base); !strings.Contains(v.err.Error(), p) {
			t.Errorf("err = %v\nwant it to hold %s", v.err, p)
		}
	}
	sameRows(t, "items after the failed run", rowsOf(t, v.db, `SELECT id, name FROM items ORDER BY id`), wireEarlier)
	// the failed load is recorded beside the earlier one, with its error
	sameRows(t, "_pipe_loads", rowsOf(t, v.db, `SELECT status FROM _pipe_loads ORDER BY started_at`), []string{"completed", "failed"})
	if len(parts) > 0 {
		first := strings.ReplaceAll(parts[0], "{base}", base)
		for _, e := range rowsOf(t, v.db, `SELECT error FROM _pipe_loads WHERE status = 'failed'`) {
			if !strings.Contains(e, first) {
				t.Errorf("_pipe_loads.error = %s\nwant it to hold %s", e, first)
			}
		}
	}
}

// wirePage2Prefix is how every error on page 2 begins.
const wirePage2Prefix = `resource "items": page 2: GET {base}/items?page=2: `
