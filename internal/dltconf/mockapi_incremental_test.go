package dltconf

import (
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestDltIncrementalAndChildren runs dlt's incremental and dependent
// resource tests of integration/test_offline.py against the mock.
func TestDltIncrementalAndChildren(t *testing.T) {
	runMockCases(t, []mockCase{
		// test_incremental_implicitly_filters_out_data: the second run
		// loads nothing new (ids 1 to 24 once).
		{name: "incremental_implicitly_filters_out_data", runs: 2, tables: map[string]int{"posts": 24},
			rows: []rowCheck{{`SELECT count(*), count(DISTINCT id), min(id) FROM posts`, []string{"24:int|24:int|1:int"}}}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint:
      path: posts
      incremental: {cursor_path: id, initial_value: 1}
`},
		// test_incremental_object_interpolation: every incremental value
		// in a param. The ids are below initial_value: five pages, nothing
		// loaded.
		{name: "incremental_object_interpolation", tables: map[string]int{},
			sent: func(t *testing.T, m *dltMock) {
				reqs := m.requests(`^/posts$`)
				if len(reqs) != 5 {
					t.Fatalf("%d requests, want 5", len(reqs))
				}
				want := url.Values{"initial_value": {"1600000000"}, "lag": {"3600"}, "since": {"1600000000"}, "until": {"1700000000"}}
				if !reflect.DeepEqual(reqs[0].Query, want) {
					t.Errorf("query %v, want %v", reqs[0].Query, want)
				}
			}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint:
      path: posts
      params:
        initial_value: "{incremental.initial_value}"
        lag: "{incremental.lag}"
        since: "{incremental.start_value}"
        until: "{incremental.end_value}"
      incremental: {cursor_path: id, initial_value: 1600000000, end_value: 1700000000, lag: 3600, range_end: open}
`},
		// test_dependent_resource_paginated_child (dlt #3772): every page of
		// every post's comments.
		{name: "dependent_resource_paginated_child", tables: map[string]int{"posts": 25, "post_comments": 1250},
			rows: []rowCheck{{`SELECT post_id, count(*) FROM post_comments GROUP BY post_id HAVING count(*) <> 50 OR count(DISTINCT id) <> 50`, nil}}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_comments
    endpoint:
      path: "posts/{resources.posts.id}/comments"
      paginator: {type: page_number, base_page: 1, total_path: total_pages}
`},
		{name: "dependent_resource_parallelized", tables: map[string]int{"posts": 25, "post_comments": 1250}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_comments
    parallelized: true
    endpoint: {path: "posts/{resources.posts.id}/comments"}
`},
		{name: "parallelized_with_include_from_parent", tables: map[string]int{"posts": 25, "post_comments": 1250},
			rows: []rowCheck{
				{`SELECT _posts_id FROM post_comments ORDER BY _posts_id, id LIMIT 5`, []string{"0:int", "0:int", "0:int", "0:int", "0:int"}},
				{`SELECT _posts_title FROM post_comments ORDER BY _posts_id, id LIMIT 5`, []string{"Post 0", "Post 0", "Post 0", "Post 0", "Post 0"}},
				{`SELECT DISTINCT _posts_title FROM post_comments WHERE _posts_id = 3 LIMIT 1`, []string{"Post 3"}},
				{`SELECT count(*) FROM post_comments WHERE _posts_id <> post_id OR _posts_title <> 'Post ' || post_id`, []string{"0:int"}},
			}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_comments
    parallelized: true
    endpoint: {path: "posts/{resources.posts.id}/comments"}
    include_from_parent: [id, title]
`},
		// test_dependent_resource_parallelized_with_incremental: comments
		// 45 to 49 of each post, one cursor per post.
		{name: "parallelized_with_incremental", tables: map[string]int{"posts": 25, "post_comments": 125},
			rows: []rowCheck{{`SELECT min(id), max(id), count(DISTINCT post_id) FROM post_comments`, []string{"45:int|49:int|25:int"}}},
			sent: func(t *testing.T, m *dltMock) {
				for _, r := range m.requests(`^/posts/\d+/comments$`) {
					if r.Query.Get("since") != "45" {
						t.Errorf("%s?%s: since, want 45", r.Path, r.Query.Encode())
					}
				}
			}, config: `
client:
  base_url: "https://api.example.com"
  paginator: {type: page_number, base_page: 1, total_path: total_pages}
resources:
  - posts
  - name: post_comments
    parallelized: true
    endpoint:
      path: "posts/{resources.posts.id}/comments"
      incremental: {start_param: since, cursor_path: id, initial_value: 45}
`},
	})
}

// TestDltSecretRedaction runs test_secret_redaction_in_http_errors: a 404
// on a URL whose query holds an api_key and an access_token; the error
// names the status and hides both values.
func TestDltSecretRedaction(t *testing.T) {
	m := newDltMock(t)
	err := runMock(t, `
client: {base_url: "https://api.example.com"}
resources:
  - name: error_resource
    endpoint:
      path: missing
      params: {api_key: secret_api_key_xyz, access_token: secret_token_abc, normal_param: public_value}
`, m.srv.URL, filepath.Join(t.TempDir(), "r.db"))
	if err == nil {
		t.Fatal("run succeeded, want a 404")
	}
	for _, s := range []string{"404", "api_key=***", "access_token=***", "normal_param=public_value", `resource "error_resource"`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %s: %v", s, err)
		}
	}
	for _, s := range []string{"secret_api_key_xyz", "secret_token_abc"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error shows %s: %v", s, err)
		}
	}
}

// TestDltSelectedAndDispositions: settings of dlt's resource that decide
// what the tables hold across runs (test_rest_api_source.py's
// "selected": False parent; write dispositions of test_configuration.py),
// run twice into one database.
func TestDltSelectedAndDispositions(t *testing.T) {
	runMockCases(t, []mockCase{
		// A parent with selected: false feeds its child and is not loaded.
		{name: "parent_not_selected", tables: map[string]int{"post_details": 25}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, selected: false}
  - name: post_details
    endpoint: "posts/{resources.posts.id}"
`},
		// test_resolve_config.py, test_process_parent_data_item: a parent
		// record without the resolved field is an error in dlt ("Resource
		// expects a field `author` to be present").
		{name: "parent_field_missing", err: []string{"author", "post_details"}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_details
    endpoint:
      path: "posts/{post_id}"
      params:
        post_id: {type: resolve, resource: posts, field: author}
`},
		// merge on the primary key: a second run updates, adds nothing.
		{name: "merge_twice", runs: 2, tables: map[string]int{"posts": 25},
			rows: []rowCheck{{`SELECT count(DISTINCT id) FROM posts`, []string{"25:int"}}}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, primary_key: id, write_disposition: merge}
`},
		// dlt's mapping form of write_disposition.
		{name: "merge_mapping_twice", runs: 2, tables: map[string]int{"posts": 25}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, primary_key: id, write_disposition: {disposition: merge, strategy: upsert}}
`},
		{name: "replace_twice", runs: 2, tables: map[string]int{"posts": 25}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, write_disposition: replace}
`},
		{name: "append_twice", runs: 2, tables: map[string]int{"posts": 50}, config: `
client: {base_url: "https://api.example.com"}
resources: [posts]
`},
	})
}
