package dltconf

import "testing"

// loadChecks are what test_load_mock_api asserts of posts, post_comments
// and post_details.
var loadChecks = []rowCheck{
	{`SELECT title FROM posts ORDER BY id LIMIT 25`, seq("Post %d", 0, 25)},
	{`SELECT body FROM post_details ORDER BY id LIMIT 25`, seq("Post body %d", 0, 25)},
	{`SELECT body FROM post_comments ORDER BY post_id, id LIMIT 5`, seq("Comment %d for post 0", 0, 5)},
	// Each post's comments are its own (dlt asserts the first five only).
	{`SELECT count(*) FROM post_comments WHERE body <> 'Comment ' || id || ' for post ' || post_id`, []string{"0:int"}},
	{`SELECT post_id, count(*) FROM post_comments GROUP BY post_id HAVING count(*) <> 50`, nil},
}

// TestDltLoadMockAPI runs the configs of dlt's test_load_mock_api
// (tests/sources/rest_api/integration/test_offline.py): posts paged by
// page number with a next_page link, each post's 50 comments and its
// details, the parent's id carried in the path, the query, a JSON body or
// a header. dlt asserts 25 posts, 25 details and 1250 comments.
func TestDltLoadMockAPI(t *testing.T) {
	counts := map[string]int{"posts": 25, "post_comments": 1250, "post_details": 25}
	runMockCases(t, []mockCase{
		{name: "resolve_params_in_path", tables: counts, rows: loadChecks, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_comments
    endpoint:
      path: "posts/{post_id}/comments"
      params:
        post_id: {type: resolve, resource: posts, field: id}
  - name: post_details
    endpoint:
      path: "posts/{post_id}"
      params:
        post_id: {type: resolve, resource: posts, field: id}
`},
		{name: "interpolated_params_in_path", tables: counts, rows: loadChecks, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_comments
    endpoint: "posts/{resources.posts.id}/comments"
  - name: post_details
    endpoint: "posts/{resources.posts.id}"
`},
		// The same with the page_number paginator that dlt's other tests
		// set on this mock: the page number goes beside post_id.
		{name: "interpolated_params_in_query_string_page_number", tables: counts, rows: loadChecks, config: `
client:
  base_url: "https://api.example.com"
  paginator: {type: page_number, base_page: 1, total_path: total_pages}
resources:
  - posts
  - name: post_comments
    endpoint:
      path: post_comments
      params: {post_id: "{resources.posts.id}"}
  - name: post_details
    endpoint:
      path: post_detail
      params: {post_id: "{resources.posts.id}"}
      paginator: single_page
`},
		{name: "interpolated_params_in_json_string", tables: counts, rows: loadChecks, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_comments
    endpoint:
      path: post_comments
      method: POST
      json: {post_id: "{resources.posts.id}"}
  - name: post_details
    endpoint:
      path: post_detail
      method: POST
      json: {post_id: "{resources.posts.id}"}
`},
		{name: "interpolated_params_in_the_headers", tables: counts, rows: loadChecks, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_comments
    endpoint:
      path: post_comments_via_headers
      headers: {post_id: "{resources.posts.id}"}
  - name: post_details
    endpoint:
      path: post_detail_via_headers
      headers: {post_id: "{resources.posts.id}"}
`},
	})
}

// TestDltNextLinkDropsParentParam is test_load_mock_api's
// interpolated_params_in_query_string: the parent's id goes in the query
// (post_comments?post_id=3), and dlt's mock answers with a next_page link
// that holds the page alone (post_comments?page=2), as its
// create_next_page_url builds it. Followed, it asks every later page
// without post_id, and the mock answers post 0's comments: each post's
// chain loads 5 of its own comments and 45 of post 0's. dlt does the same
// and its test passes, asserting only the count (1250). pipe exits 0 with
// that data too: the link has a path, and rest's droppedParams checks only
// links that are a query alone.
func TestDltNextLinkDropsParentParam(t *testing.T) {
	runMockCases(t, []mockCase{
		{name: "interpolated_params_in_query_string", err: []string{"post_id", "next_page"}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_comments
    endpoint:
      path: post_comments
      params: {post_id: "{resources.posts.id}"}
  - name: post_details
    endpoint:
      path: post_detail
      params: {post_id: "{resources.posts.id}"}
`},
	})
}
