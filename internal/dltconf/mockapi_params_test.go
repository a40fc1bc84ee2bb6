package dltconf

import (
	"net/url"
	"reflect"
	"strconv"
	"testing"
)

// wantQueries checks that the requests to paths matching pattern are n,
// the i-th (from 1) with the query static plus page=i.
func wantQueries(pattern string, n int, static url.Values) func(*testing.T, *dltMock) {
	return func(t *testing.T, m *dltMock) {
		t.Helper()
		reqs := m.requests(pattern)
		if len(reqs) != n {
			t.Fatalf("%d requests to %s, want %d", len(reqs), pattern, n)
		}
		for i, r := range reqs {
			want := url.Values{"page": {strconv.Itoa(i + 1)}}
			for k, v := range static {
				want[k] = v
			}
			if !reflect.DeepEqual(r.Query, want) {
				t.Errorf("request %d: query %v, want %v", i+1, r.Query, want)
			}
		}
	}
}

// TestDltSingleResourceQueryParams runs the cases of dlt's
// test_single_resource_query_string_params: posts under a page_number
// paginator, five pages, each request holding the static params, the
// incremental's and the page; a page param of the spec's own is replaced
// by the paginator's (pipe validate warns of it).
func TestDltSingleResourceQueryParams(t *testing.T) {
	const client = `
client:
  base_url: "https://api.example.com"
  paginator: {type: page_number, base_page: 1, total_path: total_pages}
resources:
  - name: posts
    endpoint:
`
	all := map[string]int{"posts": 25}
	ids := func(from, to int) []rowCheck {
		return []rowCheck{{`SELECT id FROM posts ORDER BY id`, seq("%d:int", from, to)}}
	}
	runMockCases(t, []mockCase{
		{name: "static_params", tables: all, sent: wantQueries("^/posts$", 5, url.Values{"sort": {"desc"}, "locale": {"en"}}), config: client + `
      path: posts
      params: {sort: desc, locale: en}
`},
		{name: "empty_params", tables: all, sent: wantQueries("^/posts$", 5, nil), config: client + `
      path: posts
      params: {}
`},
		{name: "one_empty_param", tables: all, sent: wantQueries("^/posts$", 5, url.Values{"sort": {"desc"}, "locale": {""}}), config: client + `
      path: posts
      params: {sort: desc, locale: ""}
`},
		{name: "explicit_page_param", tables: all, sent: wantQueries("^/posts$", 5, url.Values{"sort": {"desc"}, "locale": {"en"}}), config: client + `
      path: posts
      params: {sort: desc, locale: en, page: "100"}
`},
		// dlt's end_value is exclusive: ids 1 to 9. pipe's is inclusive
		// unless range_end: open (pipe validate warns of the difference).
		{name: "incremental_in_endpoint", tables: map[string]int{"posts": 10}, rows: ids(1, 11), sent: wantQueries("^/posts$", 5, url.Values{"since": {"1"}, "until": {"10"}}), config: client + `
      path: posts
      incremental: {start_param: since, end_param: until, cursor_path: id, initial_value: 1, end_value: 10}
`},
		{name: "incremental_in_endpoint_range_end_open", tables: map[string]int{"posts": 9}, rows: ids(1, 10), sent: wantQueries("^/posts$", 5, url.Values{"since": {"1"}, "until": {"10"}}), config: client + `
      path: posts
      incremental: {start_param: since, end_param: until, cursor_path: id, initial_value: 1, end_value: 10, range_end: open}
`},
		{name: "incremental_in_endpoint_mixed_with_static", tables: map[string]int{"posts": 9}, rows: ids(1, 10), sent: wantQueries("^/posts$", 5, url.Values{"sort": {"desc"}, "locale": {"en"}, "since": {"1"}, "until": {"10"}}), config: client + `
      path: posts
      params: {sort: desc, locale: en}
      incremental: {start_param: since, end_param: until, cursor_path: id, initial_value: 1, end_value: 10, range_end: open}
`},
		{name: "incremental_in_params", tables: map[string]int{"posts": 24}, rows: ids(1, 25), sent: wantQueries("^/posts$", 5, url.Values{"sort": {"desc"}, "since": {"1"}}), config: client + `
      path: posts
      params:
        sort: desc
        since: {type: incremental, cursor_path: id, initial_value: 1}
`},
		{name: "escaped_braces_in_params", tables: all, sent: wantQueries("^/posts$", 5, url.Values{"sort": {"desc"}, "param_with_braces": {"{not_this}"}, "param_with_nested_braces": {"{not_this {and} {not_that}}"}}), config: client + `
      path: posts
      params:
        sort: desc
        param_with_braces: "{{not_this}}"
        param_with_nested_braces: "{{not_this {{and}} {{not_that}}}}"
`},
		// An end_param in the param's own incremental (dlt refuses it
		// there): pipe sends it as endpoint.incremental's.
		{name: "param_incremental_end_param", tables: map[string]int{"posts": 9}, rows: ids(1, 10), sent: wantQueries("^/posts$", 5, url.Values{"since": {"1"}, "until": {"10"}}), config: client + `
      path: posts
      params:
        since: {type: incremental, cursor_path: id, initial_value: 1, end_value: 10, end_param: until, range_end: open}
`},
	})
}

// wantChildQueries checks the requests to paths matching pattern: n of
// them, each with the query static, page from 1 to 10, and, when idParam
// is set, the id of the post its path or query names.
func wantChildQueries(pattern string, n int, static url.Values) func(*testing.T, *dltMock) {
	return func(t *testing.T, m *dltMock) {
		t.Helper()
		reqs := m.requests(pattern)
		if len(reqs) != n {
			t.Fatalf("%d requests to %s, want %d", len(reqs), pattern, n)
		}
		for _, r := range reqs {
			page, err := strconv.Atoi(r.Query.Get("page"))
			if err != nil || page < 1 || page > 10 {
				t.Errorf("%s: page %q, want 1 to 10", r.Path, r.Query.Get("page"))
			}
			got := url.Values{}
			for k, v := range r.Query {
				if k != "page" {
					got[k] = v
				}
			}
			if len(got) == 0 && len(static) == 0 {
				continue
			}
			if !reflect.DeepEqual(got, static) {
				t.Errorf("%s: query %v, want %v and page", r.Path, r.Query, static)
			}
		}
	}
}

// TestDltDependentResourceQueryParams runs the cases of dlt's
// test_dependent_resource_query_string_params: each post's comments, ten
// pages of five under the client's page_number paginator, each request
// with the static params, the incremental's and its page. dlt reads only
// the first page of posts (add_limit(1): 50 comment requests); pipe reads
// all 25 posts, so 250.
func TestDltDependentResourceQueryParams(t *testing.T) {
	const client = `
client:
  base_url: "https://api.example.com"
  paginator: {type: page_number, base_page: 1, total_path: total_pages}
resources:
  - posts
  - name: post_comments
    endpoint:
      path: "posts/{post_id}/comments"
`
	const resolve = `        post_id: {type: resolve, resource: posts, field: id}
`
	const comments = `^/posts/\d+/comments$`
	all := map[string]int{"posts": 25, "post_comments": 1250}
	runMockCases(t, []mockCase{
		{name: "static_params", tables: all, sent: wantChildQueries(comments, 250, url.Values{"sort": {"desc"}, "locale": {"en"}}), config: client + `      params:
` + resolve + `        sort: desc
        locale: en
`},
		{name: "empty_params", tables: all, sent: wantChildQueries(comments, 250, nil), config: client + `      params:
` + resolve},
		{name: "one_empty_param", tables: all, sent: wantChildQueries(comments, 250, url.Values{"sort": {"desc"}, "locale": {""}}), config: client + `      params:
` + resolve + `        sort: desc
        locale: ""
`},
		{name: "explicit_page_param", tables: all, sent: wantChildQueries(comments, 250, url.Values{"sort": {"desc"}, "locale": {"en"}}), config: client + `      params:
` + resolve + `        sort: desc
        locale: en
        page: "100"
`},
		// A cursor per post (pipe keeps one per parent record): comments
		// 1 to 9 of each, end_value exclusive as in dlt with range_end: open.
		{name: "incremental_in_endpoint", tables: map[string]int{"posts": 25, "post_comments": 225},
			rows: []rowCheck{{`SELECT min(id), max(id), count(DISTINCT post_id) FROM post_comments`, []string{"1:int|9:int|25:int"}}},
			sent: wantChildQueries(comments, 250, url.Values{"since": {"1"}, "until": {"10"}}), config: client + `      params:
` + resolve + `      incremental: {start_param: since, end_param: until, cursor_path: id, initial_value: 1, end_value: 10, range_end: open}
`},
		{name: "incremental_in_endpoint_mixed_with_static", tables: map[string]int{"posts": 25, "post_comments": 225},
			sent: wantChildQueries(comments, 250, url.Values{"sort": {"desc"}, "locale": {"en"}, "since": {"1"}, "until": {"10"}}), config: client + `      params:
` + resolve + `        sort: desc
        locale: en
      incremental: {start_param: since, end_param: until, cursor_path: id, initial_value: 1, end_value: 10, range_end: open}
`},
		{name: "incremental_in_params", tables: map[string]int{"posts": 25, "post_comments": 1225},
			sent: wantChildQueries(comments, 250, url.Values{"since": {"1"}}), config: client + `      params:
` + resolve + `        since: {type: incremental, cursor_path: id, initial_value: 1}
`},
		{name: "incremental_in_params_with_static", tables: map[string]int{"posts": 25, "post_comments": 1225},
			sent: wantChildQueries(comments, 250, url.Values{"since": {"1"}, "sort": {"desc"}, "locale": {"en"}}), config: client + `      params:
` + resolve + `        since: {type: incremental, cursor_path: id, initial_value: 1}
        sort: desc
        locale: en
`},
	})
}

// TestDltInterpolateParamsInQuery runs dlt's
// test_interpolate_params_in_query_string: each post's details, its id in
// the query beside static params, one empty, one with escaped braces.
func TestDltInterpolateParamsInQuery(t *testing.T) {
	const cfg = `
client: {base_url: "https://api.example.com"}
resources:
  - posts
  - name: post_details
    endpoint:
      path: post_detail
      params:
        post_id: "{resources.posts.id}"
`
	details := func(static url.Values) func(*testing.T, *dltMock) {
		return func(t *testing.T, m *dltMock) {
			reqs := m.requests("^/post_detail$")
			if len(reqs) != 25 {
				t.Fatalf("%d requests, want 25", len(reqs))
			}
			seen := map[string]bool{}
			for _, r := range reqs {
				want := url.Values{"post_id": r.Query["post_id"]}
				for k, v := range static {
					want[k] = v
				}
				if !reflect.DeepEqual(r.Query, want) {
					t.Errorf("query %v, want %v", r.Query, want)
				}
				seen[r.Query.Get("post_id")] = true
			}
			for i := 0; i < 25; i++ {
				if !seen[strconv.Itoa(i)] {
					t.Errorf("no request for post_id %d", i)
				}
			}
		}
	}
	all := map[string]int{"posts": 25, "post_details": 25}
	rows := []rowCheck{{`SELECT id, body FROM post_details ORDER BY id LIMIT 2`, []string{"0:int|Post body 0", "1:int|Post body 1"}}}
	runMockCases(t, []mockCase{
		{name: "interpolate_param_only", tables: all, rows: rows, sent: details(nil), config: cfg},
		{name: "interpolate_param_with_static", tables: all, rows: rows, sent: details(url.Values{"sort": {"desc"}}), config: cfg + `        sort: desc
`},
		{name: "one_static_param_is_empty", tables: all, rows: rows, sent: details(url.Values{"sort": {"desc"}, "locale": {""}}), config: cfg + `        sort: desc
        locale: ""
`},
		{name: "escaped_braces_in_params", tables: all, rows: rows, sent: details(url.Values{"sort": {"desc"}, "param_with_braces": {"{not_this}"}}), config: cfg + `        sort: desc
        param_with_braces: "{{not_this}}"
`},
	})
}
