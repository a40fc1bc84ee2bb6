package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// jiraSearch serves GET /rest/api/3/search/jql as Jira Cloud documents
// it ("Search for issues using JQL enhanced search",
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/):
// basic auth with an email and an API token; jql, maxResults, fields and
// nextPageToken parameters; {"issues": [...], "nextPageToken": "...",
// "isLast": false}, the last page with "isLast": true and no
// nextPageToken key at all (JRACLOUD-92184); fewer issues per page than
// maxResults asks (JRACLOUD-92183: this fake caps at 2); an opaque token
// that is not an offset. Errors are {"errorMessages": [...], "errors": {}}.
//
// mode makes the second page hostile: "notlast" (isLast false and no
// token), "nulltoken" (nextPageToken null, isLast false).
type jiraSearch struct {
	total int
	mode  string
}

func jiraIssue(n int) string {
	return fmt.Sprintf(`{"expand":"renderedFields,names","id":"%d","self":"https://acme.atlassian.net/rest/api/3/issue/%d","key":"PROJ-%d","fields":{"summary":"Issue %d","status":{"name":"%s","statusCategory":{"key":"%s"}},"updated":"2024-05-%02dT08:30:00.000+0000"}}`,
		10000+n, 10000+n, n, n, map[bool]string{true: "Done", false: "To Do"}[n%2 == 0], map[bool]string{true: "done", false: "new"}[n%2 == 0], n)
}

func (j *jiraSearch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != jiraEmail || p != jiraToken {
		curWrite(w, http.StatusUnauthorized, `{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}`)
		return
	}
	q := r.URL.Query()
	if r.URL.Path != "/rest/api/3/search/jql" || q.Get("jql") == "" {
		curWrite(w, http.StatusBadRequest, `{"errorMessages":["The JQL query is required."],"errors":{}}`)
		return
	}
	start := 0
	if tok := q.Get("nextPageToken"); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "CAEaAggD"))
		if err != nil || !strings.HasPrefix(tok, "CAEaAggD") {
			curWrite(w, http.StatusBadRequest, `{"errorMessages":["Invalid nextPageToken."],"errors":{}}`)
			return
		}
		start = n
	}
	size, _ := strconv.Atoi(q.Get("maxResults"))
	size = min(max(size, 1), 2)
	end := min(start+size, j.total)
	var items []string
	for n := start; n < end; n++ {
		items = append(items, jiraIssue(n+1))
	}
	body := `{"issues":[` + strings.Join(items, ",") + `]`
	switch {
	case start > 0 && j.mode == "notlast":
		body += `,"isLast":false`
	case start > 0 && j.mode == "nulltoken":
		body += `,"nextPageToken":null,"isLast":false`
	case end < j.total:
		body += fmt.Sprintf(`,"nextPageToken":"CAEaAggD%d","isLast":false`, end)
	default:
		body += `,"isLast":true`
	}
	curWrite(w, http.StatusOK, body+"}")
}

func jiraSearchRun(t *testing.T, api *jiraSearch, text string) (curRun, string) {
	t.Helper()
	return curServe(t, api, "jira_search", text, map[string]string{"JIRA_EMAIL": jiraEmail, "JIRA_API_TOKEN": jiraToken})
}

// TestJiraSearchLoadsExactly: every issue of the JQL search, through the
// opaque nextPageToken, to the page whose isLast is true.
func TestJiraSearchLoadsExactly(t *testing.T) {
	r, _ := jiraSearchRun(t, &jiraSearch{total: 7}, "")
	r.mustLoad(t)
	var want []string
	for n := 1; n <= 7; n++ {
		status := map[bool]string{true: "Done", false: "To Do"}[n%2 == 0]
		want = append(want, fmt.Sprintf("%d|PROJ-%d|Issue %d|%s|2024-05-%02dT08:30:00Z", 10000+n, n, n, status, n))
	}
	r.checkTable(t, `SELECT id, key, fields__summary, fields__status__name, strftime('%Y-%m-%dT%H:%M:%SZ', fields__updated) FROM issues ORDER BY id`, want)
	r.noSecret(t, jiraToken)
}

// TestJiraSearchHostile: a page that says it is not the last but gives
// no token to the next fails the run naming isLast; has_more_path:
// isLast, which reads Jira's flag the wrong way round and would stop
// after the first page, is a spec error.
func TestJiraSearchHostile(t *testing.T) {
	for _, mode := range []string{"notlast", "nulltoken"} {
		t.Run(mode, func(t *testing.T) {
			r, url := jiraSearchRun(t, &jiraSearch{total: 7, mode: mode}, "")
			r.failedClean(t, url, rest.ErrMorePages, jiraToken, []string{"issues"},
				`resource "issues"`, `cursor: no cursor at cursor_path "nextPageToken", but body "isLast" is false`, "nextPageToken=***")
		})
	}
	t.Run("has_more_path isLast", func(t *testing.T) {
		text := strings.Replace(curTestdata(t, "jira_search"), "cursor_param: nextPageToken}", "cursor_param: nextPageToken, has_more_path: isLast}", 1)
		_, err := spec.Load("jira_search.yml", []byte(text))
		if err == nil || !strings.Contains(err.Error(), "client.paginator.has_more_path") || !strings.Contains(err.Error(), "remove it") {
			t.Fatalf("plan err = %v, want a spec error at has_more_path that says to remove it", err)
		}
	})
}
