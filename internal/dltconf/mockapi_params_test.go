package dltconf

import (
	"fmt"
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

var _ = fmt.Sprint
