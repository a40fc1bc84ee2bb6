package fakeapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tidwall/gjson"
)

// BenchmarkNew measures building a tenant of 100k issues per org: issues
// are computed on request, so this stays cheap.
func BenchmarkNew(b *testing.B) {
	c := DemoConfig()
	c.Orgs, c.IssuesPerOrg = 1, 100_000
	for b.Loop() {
		New(c)
	}
}

// BenchmarkPageIssues serves all 100k issues of an org in pages of 100,
// following next links, through the handler (no network).
func BenchmarkPageIssues(b *testing.B) {
	c := DemoConfig()
	c.Orgs, c.ProjectsPerOrg, c.IssuesPerOrg = 1, 20, 100_000
	s := New(c)
	h := s.Handler()
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
