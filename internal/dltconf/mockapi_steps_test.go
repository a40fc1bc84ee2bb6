package dltconf

import "testing"

// TestDltProcessingSteps runs dlt's integration/test_processing_steps.py
// cases, each lambda written as the pipe step that does the same: a gjson
// condition for filter, exclude_columns for a map that pops columns.
func TestDltProcessingSteps(t *testing.T) {
	runMockCases(t, []mockCase{
		// {"filter": lambda x: x["id"] == 1}
		{name: "filtered", tables: map[string]int{"posts": 1},
			rows: []rowCheck{{`SELECT title FROM posts`, []string{"Post 1"}}}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint: posts
    processing_steps:
      - filter: "id==1"
`},
		// {"map": exclude_columns(["title"])}
		{name: "exclude_columns", tables: map[string]int{"posts": 25},
			rows: []rowCheck{{`SELECT count(*) FROM pragma_table_info('posts') WHERE name = 'title'`, []string{"0:int"}}}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint: posts
    processing_steps:
      - exclude_columns: [title]
`},
		// test_rest_api_source_filtered_child: posts filtered to ids 1 and
		// 2, their comments to id 1: dlt asserts 2 comments, so the
		// comments of filtered-out posts are not read.
		{name: "filtered_child", tables: map[string]int{"posts": 2, "comments": 2},
			rows: []rowCheck{{`SELECT post_id, id FROM comments ORDER BY post_id`, []string{"1:int|1:int", "2:int|1:int"}}},
			sent: func(t *testing.T, m *dltMock) {
				if n := len(m.requests(`^/posts/\d+/comments$`)); n != 20 {
					t.Errorf("%d comment requests, want 20 (2 posts, 10 pages each)", n)
				}
			}, config: `
client: {base_url: "https://api.example.com"}
resources:
  - name: posts
    endpoint: posts
    processing_steps:
      - filter: "id>=1"
      - filter: "id<=2"
  - name: comments
    endpoint: "posts/{resources.posts.id}/comments"
    processing_steps:
      - filter: "id==1"
`},
	})
}
