package dltconf

import "testing"

// TestDltPaginators runs each paging route of dlt's mock with the
// paginator dlt's tests (test_paginators.py, test_client.py,
// test_offline.py) page it with, written as a rest_api config: every route
// holds the same 25 posts.
func TestDltPaginators(t *testing.T) {
	posts := map[string]int{"posts": 25}
	all := []rowCheck{{`SELECT group_concat(id) FROM (SELECT id FROM posts ORDER BY id)`, []string{"0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24"}}}
	runMockCases(t, []mockCase{
		{name: "auto_json_next_page", tables: posts, rows: all, config: `
client: {base_url: "https://api.example.com"}
resources: [posts]
`},
		{name: "page_number", tables: posts, rows: all, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, endpoint: {path: posts, paginator: {type: page_number, base_page: 1, total_path: total_pages}}}
`},
		{name: "page_number_zero_based", tables: posts, rows: all, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, endpoint: {path: posts_zero_based, paginator: {type: page_number, base_page: 0, total_path: total_pages}}}
`},
		{name: "header_link", tables: posts, rows: all, config: `
client: {base_url: "https://api.example.com", paginator: header_link}
resources:
  - {name: posts, endpoint: posts_header_link}
`},
		{name: "header_cursor", tables: posts, rows: all, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, endpoint: {path: posts_header_cursor, paginator: {type: header_cursor, cursor_key: cursor, cursor_param: page}}}
`},
		{name: "json_link_relative", tables: posts, rows: all, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, endpoint: {path: posts_relative_next_url, paginator: {type: json_link, next_url_path: next_page}}}
`},
		{name: "offset", tables: posts, rows: all, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, endpoint: {path: posts_offset_limit, paginator: {type: offset, limit: 10, total_path: total_records}}}
`},
		{name: "offset_in_json_body", tables: posts, rows: all, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint:
      path: posts_offset_limit_via_json_body
      method: POST
      paginator: {type: offset, limit: 10, offset_body_path: offset, limit_body_path: limit, total_path: total_records}
`},
		{name: "cursor", tables: posts, rows: all, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, endpoint: {path: posts_cursor, paginator: {type: cursor, cursor_path: next_cursor, cursor_param: cursor}}}
`},
		// dlt issue 2932: the last page's data and cursor are both null.
		{name: "cursor_null_terminated", tables: map[string]int{"users": 14},
			rows: []rowCheck{{`SELECT count(DISTINCT id), min(id), max(id) FROM users`, []string{"14:int|0:int|13:int"}}}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: users
    endpoint:
      path: posts_cursor_null_terminated
      data_selector: users
      paginator: {type: cursor, cursor_path: next_token, cursor_param: cursor}
`},
		// test_source_with_post_request pages a POST search with a custom
		// paginator that puts the body's next_page in the JSON body's page:
		// pipe's cursor paginator with cursor_body_path does that. dlt
		// asserts posts 51 to 99.
		{name: "post_search_cursor_in_body", tables: map[string]int{"search_posts": 49},
			rows: []rowCheck{{`SELECT min(id), max(id), count(DISTINCT id) FROM search_posts`, []string{"51:int|99:int|49:int"}}}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: search_posts
    endpoint:
      path: /posts/search
      method: POST
      json: {ids_greater_than: 50, page_size: 25, page_count: 4}
      paginator: {type: cursor, cursor_path: next_page, cursor_body_path: page}
`},
		{name: "nested_reactions", tables: map[string]int{"posts_with_reactions": 25, "posts_with_reactions__reactions": 125},
			rows: []rowCheck{{`SELECT r.title FROM posts_with_reactions__reactions r JOIN posts_with_reactions p ON r._pipe_parent_id = p._pipe_id WHERE p.id = 3 ORDER BY r._pipe_list_idx LIMIT 2`,
				[]string{"Reaction 0 for post 3", "Reaction 1 for post 3"}}}, config: `
client: {base_url: "https://api.example.com"}
resources: [posts_with_reactions]
`},
		// test_posts_under_results_key: json_link reads "next", which the
		// body lacks (it has next_page). dlt stops after the first page and
		// loads 5 of 25 posts, exit 0 (its test reads the first page only);
		// pipe fails: the body says there are more pages.
		{name: "json_link_without_next_stops_short", err: []string{"next_page", "next_url_path"}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint:
      path: posts_under_a_different_key
      data_selector: many-results
      paginator: json_link
`},
		{name: "json_link_next_page", tables: posts, rows: all, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint:
      path: posts_under_a_different_key
      data_selector: many-results
      paginator: {type: json_link, next_url_path: next_page}
`},
		// test_posts_without_key: header_link on a body that links its
		// next page (next_page) and sends no Link header; the records are
		// under the key "null". dlt loads the first page, 5 posts, exit 0;
		// pipe fails naming the link the paginator does not follow.
		{name: "header_link_on_json_links_stops_short", err: []string{"next_page", "header_link"}, config: `
client: {base_url: "https://api.example.com", paginator: header_link}
resources:
  - {name: posts_no_key, endpoint: {path: posts_no_key}}
`},
		// PAGINATOR_TYPE_CONFIGS on the routes of their kind: each setting
		// the config leaves or gets wrong for this API fails the run,
		// naming it, where dlt raises (total_path not found) or stops
		// after the first page (next_url_path, cursor_path not found).
		{name: "type_config_page_number", err: []string{`total_path "response.pages" not found`}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, endpoint: {path: posts, paginator: {type: page_number, page: 10, base_page: 1, total_path: response.pages}}}
`},
		{name: "type_config_offset", tables: posts, rows: all, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, endpoint: {path: posts_offset_limit, paginator: {type: offset, limit: 100, maximum_offset: 1000}}}
`},
		{name: "type_config_json_link", err: []string{`no link at next_url_path "response.nex_page_link"`, `set json_link with next_url_path "next_page"`}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, endpoint: {path: posts_relative_next_url, paginator: {type: json_link, next_url_path: response.nex_page_link}}}
`},
		{name: "type_config_cursor", err: []string{`no cursor at cursor_path "cursors.next"`, `body "next_cursor" is 5`}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, endpoint: {path: posts_cursor, paginator: {type: cursor, cursor_param: cursor}}}
`},
		// paginator auto on the other routes: a next link is followed;
		// a total above the records read or a next cursor the walk cannot
		// follow fails, naming the paginators that would (dlt's auto reads
		// posts_offset_limit as one page: 10 of 25 posts, exit 0).
		{name: "auto_header_link", tables: map[string]int{"posts_header_link": 25}, config: `
client: {base_url: "https://api.example.com"}
resources: [posts_header_link]
`},
		{name: "auto_zero_based", tables: map[string]int{"posts_zero_based": 25}, config: `
client: {base_url: "https://api.example.com"}
resources: [posts_zero_based]
`},
		{name: "auto_relative_next_url", tables: map[string]int{"posts_relative_next_url": 25}, config: `
client: {base_url: "https://api.example.com"}
resources: [posts_relative_next_url]
`},
		{name: "auto_under_a_different_key", tables: map[string]int{"posts_under_a_different_key": 25}, config: `
client: {base_url: "https://api.example.com"}
resources: [posts_under_a_different_key]
`},
		{name: "auto_offset_limit", err: []string{`body "total_records" is 25 and the page held 10 records`, "offset with limit and total_path"}, config: `
client: {base_url: "https://api.example.com"}
resources: [posts_offset_limit]
`},
		{name: "auto_cursor", err: []string{`body "next_cursor" holds number 5`, "cursor with cursor_path and cursor_param"}, config: `
client: {base_url: "https://api.example.com"}
resources: [posts_cursor]
`},
		// auto reads next_token as a cursor sent back as "token" (dlt's
		// guess is "cursor"); the mock ignores it and answers page 1 again.
		{name: "auto_cursor_null_terminated", err: []string{"page 2", "identical to page 1"}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: users, endpoint: {path: posts_cursor_null_terminated, data_selector: users}}
`},
		{name: "posts_no_key_detected", tables: map[string]int{"posts_no_key": 25}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts_no_key, endpoint: {path: posts_no_key}}
`},
	})
}

// TestDltAutoHeaderCursor: dlt's posts_header_cursor route pages by a
// response header named cursor (test_paginators.py pages it with
// HeaderCursorPaginator(cursor_key="cursor")). With paginator auto,
// pipe reads the first page, 5 of 25 posts, and exits 0: neither
// detectPaginator (which knows only continuation-token headers) nor the
// end check (moreSign: the Link header and the body) looks at a header
// that holds the next page's cursor. dlt's auto also stops after the
// first page. So does header_cursor with another cursor_key.
func TestDltAutoHeaderCursor(t *testing.T) {
	runMockCases(t, []mockCase{
		{name: "auto", err: []string{"cursor", "header_cursor"}, config: `
client: {base_url: "https://api.example.com"}
resources: [posts_header_cursor]
`},
		// PAGINATOR_TYPE_CONFIGS' header_cursor reads X-Next-Cursor; the
		// mock sends cursor: 5 of 25 posts, exit 0, in dlt as in pipe.
		{name: "type_config_header_cursor", err: []string{"cursor", "cursor_key"}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, endpoint: {path: posts_header_cursor, paginator: {type: header_cursor, cursor_key: X-Next-Cursor, cursor_param: cursor}}}
`},
	})
}

// TestDltHeaderLinkOtherRel: PAGINATOR_TYPE_CONFIGS' header_link follows
// rel="next_page", and the mock's Link header holds rel="next". dlt reads
// the first page (5 of 25 posts) and exits 0; so does pipe: HeaderLink.Next
// passes "Link" as the field it uses to the end check, which then ignores
// the Link header whatever rel it holds.
func TestDltHeaderLinkOtherRel(t *testing.T) {
	runMockCases(t, []mockCase{
		{name: "header_link_other_rel", err: []string{`rel="next"`, "links_next_key"}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - {name: posts, endpoint: {path: posts_header_link, paginator: {type: header_link, links_next_key: next_page}}}
`},
	})
}
