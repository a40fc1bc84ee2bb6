package dltconf

import (
	"strconv"
	"strings"
	"testing"
)

// wantHeaders checks the requests to paths matching pattern: n of them,
// each with the headers want.
func wantHeaders(pattern string, n int, want map[string]string) func(*testing.T, *dltMock) {
	return func(t *testing.T, m *dltMock) {
		t.Helper()
		reqs := m.requests(pattern)
		if len(reqs) != n {
			t.Fatalf("%d requests to %s, want %d", len(reqs), pattern, n)
		}
		for _, r := range reqs {
			for k, v := range want {
				got, ok := r.Header[k] // names as sent, not canonicalized
				if !ok {
					got, ok = r.Header[strings.ToLower(k)]
				}
				if !ok {
					if vs := r.Header.Values(k); len(vs) > 0 {
						got, ok = vs, true
					}
				}
				if !ok || len(got) != 1 || got[0] != v {
					t.Errorf("%s: header %s = %q, want %q (headers %v)", r.Path, k, got, v, r.Header)
				}
			}
		}
	}
}

// TestDltHeaders runs dlt's header tests: test_headers_in_top_level_resource,
// test_headers_in_dependent_resource, test_headers_with_incremental_values
// and test_client_headers_are_not_interpolated.
func TestDltHeaders(t *testing.T) {
	runMockCases(t, []mockCase{
		{name: "basic", tables: map[string]int{"posts": 25},
			sent: wantHeaders(`^/posts$`, 5, map[string]string{"X-Custom-Header": "test-value", "X-Another-Header": "another-value"}), config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint:
      path: posts
      headers: {X-Custom-Header: test-value, X-Another-Header: another-value}
`},
		{name: "empty-header-and-escaped-braces", tables: map[string]int{"posts": 25},
			sent: wantHeaders(`^/posts$`, 5, map[string]string{"X-Custom-Header": "test-value with {escaped} braces", "X-Another-Header": ""}), config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint:
      path: posts
      headers: {X-Custom-Header: "test-value with {{escaped}} braces", X-Another-Header: ""}
`},
		// Braces are no token characters (RFC 9110): dlt's requests sends
		// the name, Go's HTTP client refuses it, so pipe refuses the spec
		// before any request.
		{name: "braces-in-header-name", err: []string{`resources[0].endpoint.headers.X-Double-Braces-{{escaped}}: "X-Double-Braces-{escaped}" is no HTTP header name`},
			sent: wantHeaders(`^/posts$`, 0, nil), config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint:
      path: posts
      headers: {"X-Double-Braces-{{escaped}}": test-value}
`},
		// dlt's config also has the header "X-Double-Braces-{{Escaped}}",
		// which pipe refuses (above).
		{name: "dependent_resource", tables: map[string]int{"posts": 25, "post_details": 25},
			sent: func(t *testing.T, m *dltMock) {
				reqs := m.requests(`^/post_detail$`)
				if len(reqs) != 25 {
					t.Fatalf("%d requests, want 25", len(reqs))
				}
				for _, r := range reqs {
					id := r.Query.Get("post_id")
					if _, err := strconv.Atoi(id); err != nil {
						t.Fatalf("post_id %q", id)
					}
					want := map[string]string{"X-Static-Header": "test-value", "X-Post-Id": id, "X-Post-Title": "Post " + id, "X-Escaped": "{value_escaped}"}
					for k, v := range want {
						if got := r.Header.Get(k); got != v {
							t.Errorf("post %s: %s = %q, want %q", id, k, got, v)
						}
					}
				}
			}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_details
    endpoint:
      path: post_detail
      params: {post_id: "{resources.posts.id}"}
      headers:
        X-Static-Header: test-value
        X-Post-ID: "{resources.posts.id}"
        X-Post-Title: "{resources.posts.title}"
        X-Escaped: "{{value_escaped}}"
`},
		// The posts' ids are all below initial_value: dlt reads the five
		// pages and loads none.
		{name: "incremental_values", tables: map[string]int{},
			sent: wantHeaders(`^/posts$`, 5, map[string]string{"X-Initial-Value": "1600000000", "X-Start-Value": "1600000000", "X-End-Value": "1700000000", "X-Escaped": "{not_this}"}), config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint:
      path: posts
      headers:
        X-Initial-Value: "{incremental.initial_value}"
        X-Start-Value: "{incremental.start_value}"
        X-End-Value: "{incremental.end_value}"
        X-Escaped: "{{not_this}}"
      incremental: {cursor_path: id, initial_value: 1600000000, end_value: 1700000000, range_end: open}
`},
		// Client headers are sent as written: no placeholder filled, no
		// brace unescaped.
		{name: "client_headers_are_not_interpolated", tables: map[string]int{"posts": 25},
			sent: wantHeaders(`^/posts$`, 5, map[string]string{"X-Static-Header": "static-value", "X-Not-Interpolated": "{resources.posts.id}", "X-Escaped": "{{literal_braces}}"}), config: `
client:
  base_url: "https://api.example.com"
  headers:
    X-Static-Header: static-value
    X-Not-Interpolated: "{resources.posts.id}"
    X-Escaped: "{{literal_braces}}"
resources: [posts]
`},
	})
}
