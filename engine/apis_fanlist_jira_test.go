package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fanJira serves Jira Cloud's issue search, issues and comments as
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get,
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get
// and https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-get
// describe them: basic auth with an email and an API token; GET
// search/jql?jql&fields&maxResults&nextPageToken answers {"issues",
// "nextPageToken", "isLast"} (no nextPageToken on the last page), each
// issue's fields only those the fields parameter names, fields.subtasks
// a list of {id, key, self, fields: {summary, status, priority,
// issuetype}}; GET issue/{key} answers one issue, 404 {"errorMessages":
// ["Issue does not exist or you do not have permission to see it."],
// "errors": {}} for a key it does not know; GET issue/{key}/comment
// pages with startAt and maxResults, {"startAt", "maxResults", "total",
// "comments"}.
//
// Three top-level issues: PROJ-1 with sub-tasks PROJ-2 and PROJ-3,
// PROJ-4 with none, PROJ-5 with PROJ-6. Comments: three on PROJ-2, none
// on PROJ-3, one on PROJ-6.
type fanJira struct {
	mu       sync.Mutex
	top      []string            // top-level issue keys, in search order
	subs     map[string][]string // sub-task keys by parent key
	issue    map[string]*fanJiraIssue
	comments map[string][]string // comment ids by issue key
	requests []string

	nullSubtasks string // a parent whose fields.subtasks is null
	noKey        string // a sub-task listed without its key
	deleted      string // a sub-task listed whose GET answers 404
}

type fanJiraIssue struct {
	id, key, summary, updated string
	components                []string // component ids
}

// fanJiraComponents are Jira's project components by id.
var fanJiraComponents = map[string]string{"10100": "Backend", "10101": "Frontend"}

func newFanJira() *fanJira {
	a := &fanJira{top: []string{"PROJ-1", "PROJ-4", "PROJ-5"},
		subs:     map[string][]string{"PROJ-1": {"PROJ-2", "PROJ-3"}, "PROJ-4": {}, "PROJ-5": {"PROJ-6"}},
		issue:    map[string]*fanJiraIssue{},
		comments: map[string][]string{"PROJ-2": {"20001", "20002", "20003"}, "PROJ-6": {"20004"}}}
	for n := 1; n <= 6; n++ {
		k := "PROJ-" + strconv.Itoa(n)
		a.issue[k] = &fanJiraIssue{id: strconv.Itoa(10000 + n), key: k, summary: "Issue " + strconv.Itoa(n), updated: fmt.Sprintf("2024-05-%02dT08:30:00.000+0000", n)}
	}
	a.issue["PROJ-2"].components = []string{"10100", "10101"}
	a.issue["PROJ-6"].components = []string{"10101"}
	return a
}

func (a *fanJira) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != jiraEmail || p != jiraToken {
		curWrite(w, http.StatusUnauthorized, `{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}`)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.Path)
	q := r.URL.Query()
	path := strings.TrimPrefix(r.URL.Path, "/rest/api/3/")
	notFound := `{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}`
	switch {
	case path == "search/jql":
		a.search(w, q.Get("fields"), q.Get("nextPageToken"), curQueryInt(q, "maxResults", 50))
	case strings.HasPrefix(path, "issue/") && strings.HasSuffix(path, "/comment"):
		key := strings.TrimSuffix(strings.TrimPrefix(path, "issue/"), "/comment")
		if a.issue[key] == nil {
			curWrite(w, 404, notFound)
			return
		}
		all := a.comments[key]
		start, size := curQueryInt(q, "startAt", 0), min(curQueryInt(q, "maxResults", 50), 5000)
		var page []map[string]any
		for i := start; i < min(start+size, len(all)); i++ {
			page = append(page, map[string]any{"id": all[i], "body": "comment " + all[i] + " on " + key, "created": "2024-05-10T09:00:00.000+0000"})
		}
		curWrite(w, 200, curJSON(map[string]any{"startAt": start, "maxResults": size, "total": len(all), "comments": page}))
	case strings.HasPrefix(path, "component/"):
		id := strings.TrimPrefix(path, "component/")
		name, ok := fanJiraComponents[id]
		if !ok {
			curWrite(w, 404, `{"errorMessages":["The component with id `+id+` does not exist."],"errors":{}}`)
			return
		}
		curWrite(w, 200, curJSON(map[string]any{"self": "https://acme.atlassian.net/rest/api/3/component/" + id, "id": id, "name": name, "project": "PROJ", "projectId": 10000, "assigneeType": "PROJECT_DEFAULT"}))
	case strings.HasPrefix(path, "issue/"):
		key := strings.TrimPrefix(path, "issue/")
		is := a.issue[key]
		if is == nil || key == a.deleted {
			curWrite(w, 404, notFound)
			return
		}
		fields := map[string]any{"summary": is.summary, "status": map[string]any{"name": "To Do"}, "updated": is.updated}
		if slices.Contains(strings.Split(q.Get("fields"), ","), "components") {
			comps := []any{}
			for _, id := range is.components {
				comps = append(comps, map[string]any{"self": "https://acme.atlassian.net/rest/api/3/component/" + id, "id": id, "name": fanJiraComponents[id]})
			}
			fields["components"] = comps
		}
		curWrite(w, 200, curJSON(map[string]any{"id": is.id, "key": is.key, "self": "https://acme.atlassian.net/rest/api/3/issue/" + is.id, "fields": fields}))
	default:
		curWrite(w, 404, `{"errorMessages":["No such resource."],"errors":{}}`)
	}
}

// search answers a page of the JQL search, each issue with the fields
// asked for (summary, subtasks).
func (a *fanJira) search(w http.ResponseWriter, fields, token string, size int) {
	start, _ := strconv.Atoi(strings.TrimPrefix(token, "CAEaAggD"))
	end := min(start+size, len(a.top))
	want := strings.Split(fields, ",")
	var issues []map[string]any
	for _, key := range a.top[start:end] {
		is := a.issue[key]
		f := map[string]any{}
		if slices.Contains(want, "summary") {
			f["summary"] = is.summary
		}
		if slices.Contains(want, "subtasks") {
			subs := []any{}
			for _, sk := range a.subs[key] {
				s := a.issue[sk]
				item := map[string]any{"id": s.id, "key": s.key, "self": "https://acme.atlassian.net/rest/api/3/issue/" + s.id,
					"fields": map[string]any{"summary": s.summary, "status": map[string]any{"name": "To Do"}, "issuetype": map[string]any{"name": "Sub-task", "subtask": true}}}
				if sk == a.noKey {
					delete(item, "key")
				}
				subs = append(subs, item)
			}
			f["subtasks"] = subs
			if key == a.nullSubtasks {
				f["subtasks"] = nil
			}
		}
		issues = append(issues, map[string]any{"expand": "renderedFields,names", "id": is.id, "self": "https://acme.atlassian.net/rest/api/3/issue/" + is.id, "key": key, "fields": f})
	}
	body := map[string]any{"issues": issues, "isLast": end >= len(a.top)}
	if end < len(a.top) {
		body["nextPageToken"] = "CAEaAggD" + strconv.Itoa(end)
	}
	curWrite(w, 200, curJSON(body))
}

// issueRequests returns the sub-task GETs sent (issue/KEY), sorted.
func (a *fanJira) issueRequests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, p := range a.requests {
		if k, ok := strings.CutPrefix(p, "/rest/api/3/issue/"); ok && !strings.HasSuffix(k, "/comment") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func fanJiraEnv() map[string]string {
	return map[string]string{"JIRA_EMAIL": jiraEmail, "JIRA_API_TOKEN": jiraToken}
}

const (
	fanJiraSubtasksQuery = `SELECT id, key, fields__summary, _issues_key, _issues_fields_subtasks_id FROM subtasks ORDER BY id`
	fanJiraCommentsQuery = `SELECT id, _subtasks_key, _subtasks__issues_key FROM subtask_comments ORDER BY id`
)

// TestFanlistJiraSubtasks: each issue's sub-tasks are asked for once
// each (none for PROJ-4, whose list is empty), their rows carry the
// parent's key and the item's id (include_from_parent: [key,
// "fields.subtasks[*].id"]), each sub-task's comments are paged and
// carry its key and its parent's, and the incremental state is kept per
// sub-task.
func TestFanlistJiraSubtasks(t *testing.T) {
	api := newFanJira()
	r, _ := curServe(t, api, "fanlist_jira", "", fanJiraEnv())
	r.mustLoad(t)
	r.checkTable(t, fanJiraSubtasksQuery, []string{
		"10002|PROJ-2|Issue 2|PROJ-1|10002",
		"10003|PROJ-3|Issue 3|PROJ-1|10003",
		"10006|PROJ-6|Issue 6|PROJ-5|10006",
	})
	r.checkTable(t, fanJiraCommentsQuery, []string{
		"20001|PROJ-2|PROJ-1", "20002|PROJ-2|PROJ-1", "20003|PROJ-2|PROJ-1", "20004|PROJ-6|PROJ-5",
	})
	if got := api.issueRequests(); !slices.Equal(got, []string{"PROJ-2", "PROJ-3", "PROJ-6"}) {
		t.Errorf("sub-task requests %q, want PROJ-2, PROJ-3 and PROJ-6 once each", got)
	}
	// A fan-out of a fan-out: each sub-task's components, PROJ-3 has none.
	r.checkTable(t, `SELECT id, name, _subtasks_key, _subtasks_fields_components_name FROM subtask_components ORDER BY _subtasks_key, id`, []string{
		"10100|Backend|PROJ-2|Backend", "10101|Frontend|PROJ-2|Frontend", "10101|Frontend|PROJ-6|Frontend",
	})
	r.checkTable(t, `SELECT parent_key FROM _pipe_state WHERE resource = 'subtasks' ORDER BY parent_key`, []string{
		"fields.subtasks[*].key=PROJ-2", "fields.subtasks[*].key=PROJ-3", "fields.subtasks[*].key=PROJ-6",
	})
	r.noSecret(t, jiraToken)
}

// TestFanlistJiraIncrementalPerItem: a second run asks for each sub-task
// again and, since each sub-task's cursor is its own, loads the one
// updated since (PROJ-3) and skips the others, each the record loaded at
// its own cursor (a cursor shared by all sub-tasks would be PROJ-6's, and
// PROJ-3's new time, 2024-05-04, before PROJ-6's 2024-05-06, would be
// dropped).
func TestFanlistJiraIncrementalPerItem(t *testing.T) {
	api := newFanJira()
	db := filepath.Join(t.TempDir(), "jira.db")
	r := fanJiraRunInto(t, api, db)
	r.mustLoad(t)
	api.mu.Lock()
	api.issue["PROJ-3"].summary, api.issue["PROJ-3"].updated = "Issue 3, edited", "2024-05-04T10:00:00.000+0000"
	api.mu.Unlock()
	r = fanJiraRunInto(t, api, db)
	r.mustLoad(t)
	r.checkTable(t, fanJiraSubtasksQuery, []string{
		"10002|PROJ-2|Issue 2|PROJ-1|10002",
		"10003|PROJ-3|Issue 3, edited|PROJ-1|10003",
		"10006|PROJ-6|Issue 6|PROJ-5|10006",
	})
	if c := r.rep.Changes["subtasks"]; c.Inserted != 0 || c.Updated != 1 {
		t.Errorf("second run's subtasks changes %+v, want 1 updated and nothing inserted", c)
	}
	r.checkTable(t, `SELECT parent_key, cursor LIKE '%2024-05-04%' FROM _pipe_state WHERE resource = 'subtasks' ORDER BY parent_key`, []string{
		"fields.subtasks[*].key=PROJ-2|0", "fields.subtasks[*].key=PROJ-3|1", "fields.subtasks[*].key=PROJ-6|0",
	})
}

func fanJiraRunInto(t *testing.T, api *fanJira, db string) curRun {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return curRunText(t, "fanlist_jira", "", srv.URL, db, fanJiraEnv())
}

// TestFanlistJiraHostile: a search that does not ask for subtasks (the
// field then is not in the issues), a sub-task listed without its key and
// a sub-task listed but gone (404) each fail the run naming the resource,
// the URL and the field or request; an issue whose subtasks is null has
// none, and the others load.
func TestFanlistJiraHostile(t *testing.T) {
	t.Run("fields without subtasks", func(t *testing.T) {
		text := curEdited(t, "fanlist_jira", `fields: "summary,subtasks"`, `fields: "summary"`)
		r, srvURL := curServe(t, newFanJira(), "fanlist_jira", text, fanJiraEnv())
		r.failedClean(t, srvURL, nil, jiraToken, []string{"subtasks", "issues"}, `resource "subtasks"`, "http://api.test/rest/api/3/search/jql?", "issues record 1",
			`has no field "fields.subtasks" (fields has keys summary)`)
	})
	t.Run("item without key", func(t *testing.T) {
		api := newFanJira()
		api.noKey = "PROJ-6"
		r, srvURL := curServe(t, api, "fanlist_jira", "", fanJiraEnv())
		r.failedClean(t, srvURL, nil, jiraToken, []string{"subtasks", "issues"}, `resource "subtasks"`, "nextPageToken=", "issues record 1",
			`{resources.issues.fields.subtasks[*].key}: item 1 of "fields.subtasks" in the issues record has no field "key" (it has keys fields, id, self)`)
	})
	t.Run("sub-task gone", func(t *testing.T) {
		api := newFanJira()
		api.deleted = "PROJ-3"
		r, srvURL := curServe(t, api, "fanlist_jira", "", fanJiraEnv())
		r.failedClean(t, srvURL, nil, jiraToken, []string{"subtasks", "subtask_comments", "issues"}, `resource "subtasks"`, "http://api.test/rest/api/3/issue/PROJ-3", "404", "Issue does not exist")
	})
	t.Run("subtasks null", func(t *testing.T) {
		api := newFanJira()
		api.nullSubtasks = "PROJ-1"
		r, _ := curServe(t, api, "fanlist_jira", "", fanJiraEnv())
		r.mustLoad(t)
		r.checkTable(t, fanJiraSubtasksQuery, []string{"10006|PROJ-6|Issue 6|PROJ-5|10006"})
		if got := api.issueRequests(); !slices.Equal(got, []string{"PROJ-6"}) {
			t.Errorf("sub-task requests %q, want PROJ-6 only", got)
		}
	})
}
