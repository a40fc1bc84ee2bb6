package snykfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore/fakehttp"
)

// testNow is the fixed clock of most tests; the data does not depend on it.
var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// smallConfig is a quick tenant with the test clock.
func smallConfig() Config {
	return Config{
		Orgs: 3, ProjectsPerOrg: 4, IssuesPerOrg: 137, Seed: 1, Token: "demo-token",
		Now: func() time.Time { return testNow },
	}
}

// start serves a fake built from c on a router without faults.
func start(t *testing.T, c Config) (*Server, *httptest.Server) {
	t.Helper()
	return startWith(t, c, fakecore.RouterConfig{Now: c.Now})
}

// startWith serves a fake built from c on a router configured by rc.
func startWith(t *testing.T, c Config, rc fakecore.RouterConfig) (*Server, *httptest.Server) {
	t.Helper()
	s := New(c)
	rt := fakecore.NewRouter(rc)
	s.Register(rt)
	ts := httptest.NewServer(rt)
	t.Cleanup(ts.Close)
	return s, ts
}

const demoAuth = "token demo-token"

func do(t *testing.T, method, u, auth string, body io.Reader, header ...string) (*http.Response, []byte) {
	t.Helper()
	return fakehttp.Do(t, method, u, auth, body, header...)
}

func get(t *testing.T, u, auth string) (*http.Response, []byte) {
	t.Helper()
	return fakehttp.Get(t, u, auth)
}

func postForm(t *testing.T, u string, form url.Values, header ...string) (*http.Response, []byte) {
	t.Helper()
	return fakehttp.PostForm(t, u, form, header...)
}

// doc is a JSON:API document.
type doc = fakehttp.JSONAPIDoc

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	return fakehttp.Decode[T](t, b)
}

// wantStatus fails unless resp has the status.
func wantStatus(t *testing.T, resp *http.Response, body []byte, status int) {
	t.Helper()
	fakehttp.WantStatus(t, resp, body, status)
}

// wantAPIError checks a JSON:API error document: the status as a
// string, a detail containing detail, and the offending parameter.
func wantAPIError(t *testing.T, resp *http.Response, body []byte, status int, detail, param string) {
	t.Helper()
	fakehttp.WantJSONAPIError(t, resp, body, status, detail, param)
}

// walk follows links.next from first (a URL relative to /rest, as Snyk's
// links are) and returns every record's id and the number of pages. It
// checks every link on the way.
func walk(t *testing.T, ts *httptest.Server, first, auth string) (ids []string, pages int) {
	t.Helper()
	next := first
	seen := map[string]bool{}
	for next != "" {
		if seen[next] {
			t.Fatalf("next link %q seen twice", next)
		}
		seen[next] = true
		resp, body := get(t, ts.URL+"/rest"+next, auth)
		wantStatus(t, resp, body, http.StatusOK)
		d := decode[doc](t, body)
		var recs []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(d.Data, &recs); err != nil {
			t.Fatalf("data: %v", err)
		}
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		pages++
		for name, l := range d.Links {
			if !strings.HasPrefix(l, "/") || strings.HasPrefix(l, "/rest/") {
				t.Fatalf("links.%s = %q: want relative to /rest and without it", name, l)
			}
		}
		next = d.Links["next"]
		if next != "" {
			u, err := url.Parse(next)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			cursor := "starting_after"
			if q.Has("offset") {
				cursor = "offset" // package issues page by offset
			}
			for _, p := range []string{"version", "limit", cursor} {
				if len(q[p]) != 1 {
					t.Fatalf("next link %q: want one %s", next, p)
				}
			}
			if cursor == "starting_after" && !strings.HasPrefix(q.Get("starting_after"), "v1.") {
				t.Fatalf("next link %q: cursor is not v1.<base64>", next)
			}
			if len(recs) == 0 {
				t.Fatalf("empty page with a next link: %s", body)
			}
		}
	}
	return ids, pages
}

func issueIDs(issues []Issue, orgID string, keep func(Issue) bool) []string {
	var out []string
	for _, is := range issues {
		if is.Relationships.Organization.Data.ID == orgID && (keep == nil || keep(is)) {
			out = append(out, is.ID)
		}
	}
	return out
}
