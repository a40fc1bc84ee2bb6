package snykfake

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// BenchmarkNew measures building a tenant of 100k issues per org: issues
// are computed on request, so this stays cheap.
func BenchmarkNew(b *testing.B) {
	c := Config{Orgs: 1, ProjectsPerOrg: 5, IssuesPerOrg: 100_000, Seed: 1, Token: "demo-token"}
	for b.Loop() {
		New(c)
	}
}

// BenchmarkPageIssues serves all 100k issues of an org in pages of 100,
// following next links, through the handler (no network).
func BenchmarkPageIssues(b *testing.B) {
	c := Config{Orgs: 1, ProjectsPerOrg: 20, IssuesPerOrg: 100_000, Seed: 1, Token: "demo-token"}
	s := New(c)
	h := fakecore.NewRouter(fakecore.RouterConfig{})
	s.Register(h)
	org := s.data.orgs[0].ID
	for b.Loop() {
		next := "/orgs/" + org + "/issues?version=2024-10-15&limit=100"
		n := 0
		for next != "" {
			req := httptest.NewRequest(http.MethodGet, "/rest"+next, nil)
			req.Header.Set("Authorization", "token demo-token")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			body := rec.Body.Bytes()
			n += int(gjson.GetBytes(body, "data.#").Int())
			next = gjson.GetBytes(body, "links.next").String()
		}
		if n != c.IssuesPerOrg {
			b.Fatalf("paged %d issues, want %d", n, c.IssuesPerOrg)
		}
	}
}
