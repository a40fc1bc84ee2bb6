package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

// linearIssues serves POST /graphql as Linear documents it
// (https://developers.linear.app/docs/graphql/working-with-the-graphql-api
// and .../pagination): a personal API key in Authorization without a
// prefix; {"query", "variables": {"first", "after"}}; Relay connections,
// {"data": {"issues": {"nodes": [...], "pageInfo": {"hasNextPage",
// "endCursor"}}}}, endCursor the id of the page's last node and, on the
// last page, still that id beside hasNextPage false (the Relay spec:
// endCursor is the cursor of the last edge); an unknown cursor or a bad
// query a {"errors": [...]} answer.
//
// mode makes page 2 hostile: "nocursor" (hasNextPage true, endCursor
// null), "lastnull" (no page after it and endCursor null: the walk's
// last page as some servers send it), "partial" (a GraphQL partial
// response, as the spec's "Response" section describes it: the nodes with
// a field nulled and an errors entry whose path names it).
type linearIssues struct {
	total    int
	mode     string
	requests atomic.Int32
}

const linearKey = "lin_api_0123456789abcdefghijklmnopqrstuvwxyzABCD"

func linearID(n int) string { return fmt.Sprintf("9cfb482a-81e3-4154-b5b9-2c805e70a0%02d", n) }

func (l *linearIssues) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.requests.Add(1)
	if r.Header.Get("Authorization") != linearKey {
		curWrite(w, http.StatusBadRequest, `{"errors":[{"message":"Authentication required, not authenticated","extensions":{"code":"AUTHENTICATION_ERROR"}}]}`)
		return
	}
	var in struct {
		Query     string `json:"query"`
		Variables struct {
			First int     `json:"first"`
			After *string `json:"after"`
		} `json:"variables"`
	}
	if r.Method != http.MethodPost || r.URL.Path != "/graphql" || json.NewDecoder(r.Body).Decode(&in) != nil ||
		!strings.HasPrefix(in.Query, "query Issues($first: Int, $after: String) { issues(first: $first, after: $after) { nodes {") || in.Variables.First < 1 {
		curWrite(w, http.StatusBadRequest, `{"errors":[{"message":"Syntax Error","extensions":{"code":"GRAPHQL_PARSE_FAILED"}}]}`)
		return
	}
	start := 0
	if in.Variables.After != nil {
		start = -1
		for n := 1; n <= l.total; n++ {
			if linearID(n) == *in.Variables.After {
				start = n
			}
		}
		if start < 0 {
			curWrite(w, http.StatusOK, `{"errors":[{"message":"Invalid cursor","extensions":{"code":"INVALID_INPUT"}}],"data":null}`)
			return
		}
	}
	end := min(start+in.Variables.First, l.total)
	nodes := []any{}
	for n := start; n < end; n++ {
		labels := []any{map[string]any{"name": "Bug"}}
		if n%2 == 1 {
			labels = append(labels, map[string]any{"name": "Frontend"})
		}
		var estimate any
		if n%3 != 2 {
			estimate = n + 1
		}
		nodes = append(nodes, map[string]any{"id": linearID(n + 1), "identifier": fmt.Sprintf("ENG-%d", n+1), "title": fmt.Sprintf("Issue %d", n+1),
			"priority": n % 5, "estimate": estimate, "createdAt": fmt.Sprintf("2024-04-%02dT12:00:00.000Z", n+1), "labels": map[string]any{"nodes": labels}})
	}
	var cursor any
	if end > start {
		cursor = linearID(end)
	}
	page2 := start > 0 && start <= in.Variables.First
	more := end < l.total
	switch {
	case page2 && l.mode == "nocursor":
		cursor = nil
	case page2 && l.mode == "lastnull":
		cursor, more = nil, false
	}
	body := map[string]any{"data": map[string]any{"issues": map[string]any{
		"nodes": nodes, "pageInfo": map[string]any{"hasNextPage": more, "endCursor": cursor}}}}
	if page2 && l.mode == "partial" {
		nodes[0].(map[string]any)["estimate"] = nil
		body["errors"] = []any{map[string]any{"message": "Not authorized to read estimate", "path": []any{"issues", "nodes", 0, "estimate"},
			"extensions": map[string]any{"code": "FORBIDDEN"}}}
	}
	curWrite(w, http.StatusOK, curJSON(body))
}

func linearRun(t *testing.T, api *linearIssues, text string) (curRun, string) {
	t.Helper()
	return curServe(t, api, "linear", text, map[string]string{"LINEAR_API_KEY": linearKey})
}

// noHasMorePath is the Linear spec without has_more_path, as a newcomer
// who reads only endCursor writes it.
func noHasMorePath(t *testing.T) string {
	return strings.Replace(curTestdata(t, "linear"), ", has_more_path: data.issues.pageInfo.hasNextPage}", "}", 1)
}

// TestLinearIssuesLoadsExactly: every issue of the connection, endCursor
// sent back as variables.after in the POST body, labels as a child table,
// a null estimate kept as NULL. The last page's endCursor beside
// hasNextPage false, which Relay calls normal, ends the walk with
// has_more_path; without it, it costs one more request, whose empty page
// ends the walk.
func TestLinearIssuesLoadsExactly(t *testing.T) {
	for _, c := range []struct {
		name     string
		text     func(*testing.T) string
		requests int32
	}{{"has_more_path", nil, 3}, {"cursor only", noHasMorePath, 4}} {
		t.Run(c.name, func(t *testing.T) {
			api := &linearIssues{total: 5}
			text := ""
			if c.text != nil {
				text = c.text(t)
			}
			r, _ := linearRun(t, api, text)
			r.mustLoad(t)
			var want, labels []string
			for n := 1; n <= 5; n++ {
				est := fmt.Sprint(n)
				if n%3 == 0 {
					est = "<nil>"
				}
				want = append(want, fmt.Sprintf("%s|ENG-%d|Issue %d|%d|%s|2024-04-%02dT12:00:00Z", linearID(n), n, n, (n-1)%5, est, n))
				labels = append(labels, fmt.Sprintf("ENG-%d|0|Bug", n))
				if n%2 == 0 {
					labels = append(labels, fmt.Sprintf("ENG-%d|1|Frontend", n))
				}
			}
			r.checkTable(t, `SELECT id, identifier, title, priority, estimate, strftime('%Y-%m-%dT%H:%M:%SZ', created_at) FROM issues ORDER BY id`, want)
			r.checkTable(t, `SELECT p.identifier, c._pipe_list_idx, c.name FROM issues__labels__nodes c JOIN issues p ON p._pipe_id = c._pipe_parent_id ORDER BY p.id, c._pipe_list_idx`, labels)
			if n := api.requests.Load(); n != c.requests {
				t.Errorf("%d requests, want %d", n, c.requests)
			}
			r.noSecret(t, linearKey)
		})
	}
}

// TestLinearIssuesHostile: hasNextPage true beside a null endCursor fails
// the run, with has_more_path and without it (the flag sits in
// data.issues.pageInfo, beside the cursor); a null endCursor with
// hasNextPage false ends it with the data served.
func TestLinearIssuesHostile(t *testing.T) {
	page2 := `resource "issues": page 2: POST http://api.test/graphql`
	for _, c := range []struct {
		name string
		text func(*testing.T) string
		part string
	}{
		{"has_more_path", nil, `cursor: no cursor at cursor_path "data.issues.pageInfo.endCursor", but has_more_path "data.issues.pageInfo.hasNextPage" is true`},
		{"cursor only", noHasMorePath, `cursor: no cursor at cursor_path "data.issues.pageInfo.endCursor", but body "data.issues.pageInfo.hasNextPage" is true`},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := ""
			if c.text != nil {
				text = c.text(t)
			}
			r, url := linearRun(t, &linearIssues{total: 5, mode: "nocursor"}, text)
			r.failedClean(t, url, rest.ErrMorePages, linearKey, []string{"issues", "issues__labels__nodes"}, page2, c.part)
		})
	}
	t.Run("lastnull", func(t *testing.T) {
		r, _ := linearRun(t, &linearIssues{total: 4, mode: "lastnull"}, noHasMorePath(t))
		r.mustLoad(t)
		r.checkTable(t, `SELECT count(*) FROM issues`, []string{"4"})
	})
}

// TestLinearIssuesNoPaginator: a spec without a paginator must not exit 0
// with the first page while data.issues.pageInfo.hasNextPage is true.
func TestLinearIssuesNoPaginator(t *testing.T) {
	text := strings.Replace(curTestdata(t, "linear"), "      paginator: {type: cursor, cursor_path: data.issues.pageInfo.endCursor, cursor_body_path: variables.after, has_more_path: data.issues.pageInfo.hasNextPage}\n", "", 1)
	r, url := linearRun(t, &linearIssues{total: 5}, text)
	r.failedClean(t, url, rest.ErrMorePages, linearKey, []string{"issues"}, `resource "issues": page 1: POST http://api.test/graphql`, `"data.issues.pageInfo.hasNextPage" is true`, "cursor_body_path")
}

// TestLinearPartialResponse: a page that comes with data and errors (a
// field the key may not read, nulled) fails the run as a partial answer,
// loading nothing; a spec that accepts such pages (response_actions
// {condition: errors, action: load}) loads every issue, the nulled field
// as null.
func TestLinearPartialResponse(t *testing.T) {
	r, url := linearRun(t, &linearIssues{total: 5, mode: "partial"}, "")
	r.failedClean(t, url, rest.ErrPartial, linearKey, []string{"issues"}, `resource "issues": page 2: POST http://api.test/graphql`, `body "errors" is`, "action: load")

	text := strings.Replace(curTestdata(t, "linear"), "      data_selector: data.issues.nodes\n", "      data_selector: data.issues.nodes\n      response_actions: [{condition: errors, action: load}]\n", 1)
	r, _ = linearRun(t, &linearIssues{total: 5, mode: "partial"}, text)
	r.mustLoad(t)
	r.checkTable(t, `SELECT identifier, estimate FROM issues ORDER BY identifier`, []string{"ENG-1|1", "ENG-2|2", "ENG-3|<nil>", "ENG-4|4", "ENG-5|5"})
}
