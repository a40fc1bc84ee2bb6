package dltconf

import "testing"

// TestDltSingleEntityPaths runs dlt's single-entity rule
// (config_setup.py, _setup_single_entity_endpoint; test_configuration.py,
// test_paginator_overrides_single_entity_paths and
// test_setup_for_single_item_endpoint): a path whose last segment is a
// placeholder names one entity, so without a data_selector the whole body
// is its record.
func TestDltSingleEntityPaths(t *testing.T) {
	runMockCases(t, []mockCase{
		// The client's page_number paginator reads total_pages, which a
		// post's details lack: dlt pages them with single_page instead,
		// pipe with the client's paginator, and pipe validate warns,
		// naming endpoint.paginator: single_page (testdata/configs/
		// valid_single_entity.yml). The run fails on the first details.
		{name: "client_paginator", err: []string{`resource "post_details"`, `total_path "total_pages" not found`}, config: `
client:
  base_url: "https://api.example.com"
  paginator: {type: page_number, base_page: 1, total_path: total_pages}
resources:
  - posts
  - name: post_details
    endpoint: "posts/{resources.posts.id}"
`},
		{name: "single_page", tables: map[string]int{"posts": 25, "post_details": 25},
			rows: []rowCheck{{`SELECT id, body FROM post_details ORDER BY id LIMIT 2`, []string{"0:int|Post body 0", "1:int|Post body 1"}}}, config: `
client:
  base_url: "https://api.example.com"
  paginator: {type: page_number, base_page: 1, total_path: total_pages}
resources:
  - posts
  - name: post_details
    endpoint: {path: "posts/{resources.posts.id}", paginator: single_page}
`},
	})
}
