package dltconf

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strconv"
	"testing"
)

// wantBodies checks the requests to paths matching pattern: n of them,
// each body as want returns it for the request (nil: no body) and with
// the Content-Type contentType.
func wantBodies(pattern string, n int, contentType string, want func(r mockRequest) string) func(*testing.T, *dltMock) {
	return func(t *testing.T, m *dltMock) {
		t.Helper()
		reqs := m.requests(pattern)
		if len(reqs) != n {
			t.Fatalf("%d requests to %s, want %d", len(reqs), pattern, n)
		}
		for _, r := range reqs {
			if got := r.Header.Get("Content-Type"); got != contentType {
				t.Errorf("%s %s: Content-Type %q, want %q", r.Method, r.Path, got, contentType)
			}
			if w := want(r); r.Body != w {
				t.Errorf("%s %s: body %q, want %q", r.Method, r.Path, r.Body, w)
			}
		}
	}
}

// sameJSON reports whether a and b hold the same JSON value.
func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

// sameForm reports whether a and b hold the same form values.
func sameForm(a, b string) bool {
	x, err1 := url.ParseQuery(a)
	y, err2 := url.ParseQuery(b)
	return err1 == nil && err2 == nil && reflect.DeepEqual(x, y)
}

// TestDltRequestBodies runs dlt's tests of JSON and form bodies:
// test_request_json_body, test_json_body_in_top_level_resource,
// test_interpolate_parent_values_in_path_and_json_body,
// test_request_data_body, test_dependent_resource_post_data_param,
// test_post_data_param_with_incremental_values and
// test_post_data_param_with_raw_data.
func TestDltRequestBodies(t *testing.T) {
	runMockCases(t, []mockCase{
		// No json: a GET without a body.
		{name: "no_json_get", tables: map[string]int{"posts": 25, "posts_comments": 1250},
			sent: wantBodies(`^/posts/\d+/comments$`, 250, "", func(mockRequest) string { return "" }), config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: posts_comments
    endpoint: {path: "posts/{resources.posts.id}/comments"}
`},
		// json: {} on a GET sends the body {} (dlt asserts b"{}").
		{name: "empty_json_get", tables: map[string]int{"posts": 25, "posts_comments": 1250},
			sent: wantBodies(`^/posts/\d+/comments$`, 250, "application/json", func(mockRequest) string { return "{}" }), config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: posts_comments
    endpoint: {path: "posts/{resources.posts.id}/comments", method: GET, json: {}}
`},
		// Incremental values in a nested JSON body, escaped braces kept as
		// one brace; a value that is one placeholder keeps its type.
		// The search answers posts 1 to 5 (ids_greater_than 0).
		{name: "complex_nested_json", tables: map[string]int{"posts": 5},
			sent: func(t *testing.T, m *dltMock) {
				reqs := m.requests(`^/posts/search$`)
				want := `{"initial_value": 1, "escaped_braces": "{not_this}", "nested": {"initial_value": 1, "escaped": "{not_this_either}"}, "array_values": [1, "{not_array_either}"]}`
				if len(reqs) != 1 || !sameJSON(reqs[0].Body, want) {
					t.Errorf("requests %v, want one with body %s", reqs, want)
				}
			}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint:
      path: posts/search
      method: POST
      paginator: single_page
      json:
        initial_value: "{incremental.initial_value}"
        escaped_braces: "{{not_this}}"
        nested: {initial_value: "{incremental.initial_value}", escaped: "{{not_this_either}}"}
        array_values: ["{incremental.initial_value}", "{{not_array_either}}"]
      incremental: {cursor_path: id, initial_value: 1}
`},
		{name: "parent_values_in_path_and_json_body", tables: map[string]int{"posts": 25, "post_details": 25},
			rows: []rowCheck{
				{`SELECT title FROM posts ORDER BY id LIMIT 3`, seq("Post %d", 0, 3)},
				{`SELECT body, title, more FROM post_details ORDER BY id LIMIT 3`, []string{
					"Post body 0|Post 0|More is equale to id: 0", "Post body 1|Post 1|More is equale to id: 1", "Post body 2|Post 2|More is equale to id: 2"}},
				{`SELECT count(*) FROM post_details WHERE title <> 'Post ' || id OR more <> 'More is equale to id: ' || id`, []string{"0:int"}},
			},
			sent: func(t *testing.T, m *dltMock) {
				for _, r := range m.requests(`^/posts/search_by_id/\d+$`) {
					id := r.Path[len("/posts/search_by_id/"):]
					want := `{"post_id": ` + id + `, "limit": 5, "more": {"title": "Post ` + id + `"}, "more_array": [` + id + `], "escaped_braces": "{ string in escaped braces }"}`
					if !sameJSON(r.Body, want) {
						t.Errorf("%s: body %s, want %s", r.Path, r.Body, want)
					}
				}
			}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_details
    endpoint:
      path: "posts/search_by_id/{resources.posts.id}"
      method: POST
      json:
        post_id: "{resources.posts.id}"
        limit: 5
        more: {title: "{resources.posts.title}"}
        more_array: ["{resources.posts.id}"]
        escaped_braces: "{{ string in escaped braces }}"
`},
		// data: {} sends no body and no Content-Type. The mock answers
		// {"error": "Unsupported content type: None", "data": ""} with a
		// 200, which dlt loads as a record; pipe fails the run on an error
		// beside the data, naming the rule that loads it.
		{name: "empty_data_dict", err: []string{`body "error" is string "Unsupported content type: "`, `response_actions {condition: "error", action: load}`},
			sent: wantBodies(`^/post_form_data$`, 1, "", func(mockRequest) string { return "" }), config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: test_data
    endpoint: {path: post_form_data, method: POST, data: {}, paginator: single_page, data_selector: "$"}
`},
		// The mock echoes parse_qs of the form: lists, child tables.
		{name: "data_as_dict", tables: map[string]int{"test_data": 1, "test_data__data__key1": 1, "test_data__data__key2": 1},
			rows: []rowCheck{{`SELECT a.value, b.value FROM test_data__data__key1 a, test_data__data__key2 b`, []string{"value1|value2"}}},
			sent: wantBodies(`^/post_form_data$`, 1, "application/x-www-form-urlencoded", func(mockRequest) string { return "key1=value1&key2=value2" }), config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: test_data
    endpoint: {path: post_form_data, method: POST, data: {key1: value1, key2: value2}, paginator: single_page, data_selector: "$"}
`},
		{name: "data_as_string", tables: map[string]int{"test_data": 1},
			rows: []rowCheck{{`SELECT data FROM test_data`, []string{"raw string data"}}},
			sent: wantBodies(`^/post_raw_data$`, 1, "", func(mockRequest) string { return "raw string data" }), config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: test_data
    endpoint: {path: post_raw_data, method: POST, data: "raw string data", paginator: single_page, data_selector: "$"}
`},
		{name: "no_data_post", err: []string{`body "error" is string "Unsupported content type: "`},
			sent: wantBodies(`^/post_form_data$`, 1, "", func(mockRequest) string { return "" }), config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: test_data
    endpoint: {path: post_form_data, method: POST, paginator: single_page, data_selector: "$"}
`},
		{name: "dependent_resource_post_data_param", tables: map[string]int{"posts": 25, "post_comments": 125},
			sent: func(t *testing.T, m *dltMock) {
				reqs := m.requests(`^/post_comments_via_form_data$`)
				if len(reqs) != 25 {
					t.Fatalf("%d requests, want 25", len(reqs))
				}
				for _, r := range reqs {
					id := url.Values{}
					q, _ := url.ParseQuery(r.Body)
					id.Set("post_id", q.Get("post_id"))
					if n, err := strconv.Atoi(q.Get("post_id")); err != nil || n < 0 || n > 24 {
						t.Errorf("body %q: post_id not a post", r.Body)
					}
					if want := "escaped_braces=%7Bnot_interpolated%7D&post_id=" + q.Get("post_id") + "&static_value=constant"; !sameForm(r.Body, want) {
						t.Errorf("body %q, want %q", r.Body, want)
					}
				}
			}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_comments
    endpoint:
      path: post_comments_via_form_data
      method: POST
      data:
        post_id: "{resources.posts.id}"
        static_value: constant
        escaped_braces: "{{not_interpolated}}"
      paginator: single_page
`},
		// The posts (ids 0 to 4) are all below initial_value: none loaded.
		{name: "post_data_param_with_incremental_values", tables: map[string]int{},
			sent: wantBodies(`^/posts_form_data_incremental$`, 1, "application/x-www-form-urlencoded", func(r mockRequest) string {
				if sameForm(r.Body, "initial_value=100&start_value=100&end_value=200&escaped=%7Bnot_this%7D") {
					return r.Body
				}
				return "initial_value=100&start_value=100&end_value=200&escaped={not_this}"
			}), config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts_form_data_incremental
    endpoint:
      path: /posts_form_data_incremental
      method: POST
      data:
        initial_value: "{incremental.initial_value}"
        start_value: "{incremental.start_value}"
        end_value: "{incremental.end_value}"
        escaped: "{{not_this}}"
      incremental: {cursor_path: id, initial_value: 100, end_value: 200, range_end: open}
      paginator: single_page
`},
		{name: "post_data_param_with_raw_data", tables: map[string]int{"posts": 25, "post_comments": 125},
			sent: func(t *testing.T, m *dltMock) {
				reqs := m.requests(`^/post_comments_via_form_data$`)
				seen := map[string]bool{}
				for _, r := range reqs {
					if ct := r.Header.Get("Content-Type"); ct != "" {
						t.Errorf("Content-Type %q, want none for raw data", ct)
					}
					seen[r.Body] = true
				}
				for i := 0; i < 25; i++ {
					if !seen[strconv.Itoa(i)] {
						t.Errorf("no request with body %d", i)
					}
				}
			}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_comments
    endpoint:
      path: post_comments_via_form_data
      method: POST
      data: "{resources.posts.id}"
      paginator: single_page
`},
	})
}

// TestDltJSONEndValueWithoutEnd: dlt expands a JSON body value that is
// exactly {incremental.end_value} keeping its type (expand_placeholders
// with preserve_value_type, test_interpolation.py
// single_placeholder_none_value), so without an end_value it sends null.
// pipe sends "" instead, which an API may read as a bound (an empty date,
// epoch) and answer nothing, exit 0.
func TestDltJSONEndValueWithoutEnd(t *testing.T) {
	runMockCases(t, []mockCase{
		{name: "until_null", tables: map[string]int{"posts": 5},
			sent: func(t *testing.T, m *dltMock) {
				reqs := m.requests(`^/posts/search$`)
				if len(reqs) != 1 || !sameJSON(reqs[0].Body, `{"since": 1, "until": null}`) {
					t.Errorf("requests %v, want one with body {\"since\": 1, \"until\": null}", reqs)
				}
			}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint:
      path: posts/search
      method: POST
      paginator: single_page
      json: {since: "{incremental.start_value}", until: "{incremental.end_value}"}
      incremental: {cursor_path: id, initial_value: 1}
`},
	})
}
