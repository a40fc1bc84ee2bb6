package openapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// jiraFake serves projects, their versions and the issue search as the
// Jira Cloud platform REST API v3 documents paging
// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#pagination):
// startAt and maxResults in the query; startAt, maxResults, total and,
// on PageBean lists, isLast and nextPage (absent on the last page) in
// the body; a maxResults above the endpoint's cap answered with fewer
// items ("the value of maxResults may be lower than requested"), 50 for
// the project search and versions, 100 for the issue search.
type jiraFake struct {
	projects []map[string]any
	versions map[string][]map[string]any // by project id
	issues   []map[string]any
	email    string
	token    string
	badAuth  atomic.Int32
	// pageCap and searchCap are the most items a page holds, whatever
	// maxResults asks (50 and 100 unless set).
	pageCap, searchCap int
}

func newJiraFake(nProjects, nIssues int) *jiraFake {
	f := &jiraFake{versions: map[string][]map[string]any{}, email: "me@example.com", token: "jira-api-token-secret", pageCap: 50, searchCap: 100}
	for i := range nProjects {
		id := strconv.Itoa(10000 + i)
		f.projects = append(f.projects, map[string]any{"id": id, "key": fmt.Sprintf("P%d", i), "name": fmt.Sprintf("Project %d", i), "self": "https://your-domain.atlassian.net/rest/api/3/project/" + id, "simplified": false, "style": "classic"})
		n := map[int]int{0: 2, 5: 70}[i]
		for j := range n {
			f.versions[id] = append(f.versions[id], map[string]any{"id": strconv.Itoa(20000 + i*100 + j), "name": fmt.Sprintf("v%d.%d", i, j), "projectId": 10000 + i, "released": j%2 == 0, "archived": false})
		}
	}
	for i := range nIssues {
		f.issues = append(f.issues, map[string]any{"id": strconv.Itoa(30000 + i), "key": fmt.Sprintf("P0-%d", i+1), "self": "https://your-domain.atlassian.net/rest/api/3/issue/" + strconv.Itoa(30000+i), "fields": map[string]any{"summary": fmt.Sprintf("Issue %d", i)}})
	}
	return f
}

func (f *jiraFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"errorMessages": []string{msg}, "errors": map[string]any{}})
	}
	if u, p, ok := r.BasicAuth(); !ok || u != f.email || p != f.token {
		f.badAuth.Add(1)
		fail(http.StatusUnauthorized, "Client must be authenticated to access this resource.")
		return
	}
	q := r.URL.Query()
	startAt, maxResults := 0, 50
	if s := q.Get("startAt"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fail(http.StatusBadRequest, "startAt must be a non-negative number")
			return
		}
		startAt = n
	}
	if s := q.Get("maxResults"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fail(http.StatusBadRequest, "maxResults must be a non-negative number")
			return
		}
		maxResults = n
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	pageBean := func(list []map[string]any) {
		limit := min(maxResults, f.pageCap)
		start := min(startAt, len(list))
		end := min(start+limit, len(list))
		body := map[string]any{"self": "http://" + r.Host + r.URL.String(), "maxResults": limit, "startAt": startAt, "total": len(list), "isLast": end >= len(list), "values": list[start:end]}
		if end < len(list) {
			nq := r.URL.Query()
			nq.Set("startAt", strconv.Itoa(end))
			nq.Set("maxResults", strconv.Itoa(limit))
			body["nextPage"] = "http://" + r.Host + r.URL.Path + "?" + nq.Encode()
		}
		if body["values"] == nil {
			body["values"] = []any{}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}
	switch {
	case r.URL.Path == "/rest/api/3/project":
		// Deprecated "Get all projects": every project, one array, no paging.
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(f.projects)
	case r.URL.Path == "/rest/api/3/project/search":
		pageBean(f.projects)
	case len(segs) == 6 && segs[3] == "project" && segs[5] == "version":
		var list []map[string]any
		for _, p := range f.projects {
			if p["id"] == segs[4] || p["key"] == segs[4] {
				list = f.versions[p["id"].(string)]
			}
		}
		pageBean(list)
	case r.URL.Path == "/rest/api/3/search":
		limit := min(maxResults, f.searchCap)
		start := min(startAt, len(f.issues))
		end := min(start+limit, len(f.issues))
		page := f.issues[start:end]
		if page == nil {
			page = []map[string]any{}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"expand": "names,schema", "startAt": startAt, "maxResults": limit, "total": len(f.issues), "issues": page})
	default:
		fail(http.StatusNotFound, "Not found")
	}
}

// TestJiraGeneratedSpecLoadsEveryPage generates a spec from the Jira
// Cloud platform document, which names a placeholder server
// (your-domain.atlassian.net) and pages with startAt and maxResults
// (nextPage and isLast on its PageBean lists, total alone on the issue
// search), and
// runs it against a fake that pages as Jira's docs say: every project,
// version and issue must be loaded.
func TestJiraGeneratedSpecLoadsEveryPage(t *testing.T) {
	for _, c := range []struct {
		name               string
		pageCap, searchCap int
	}{
		{"documented caps", 50, 100},
		// "the value of maxResults may be lower than requested"
		{"pages shorter than asked", 17, 23},
	} {
		t.Run(c.name, func(t *testing.T) { jiraLoadsEveryPage(t, c.pageCap, c.searchCap) })
	}
}

func jiraLoadsEveryPage(t *testing.T, pageCap, searchCap int) {
	g := generateVendor(t, "jira.yaml")
	f := newJiraFake(120, 230)
	f.pageCap, f.searchCap = pageCap, searchCap
	srv := httptest.NewServer(f)
	defer srv.Close()
	db, err := g.run(t, srv.URL+"/", map[string]string{"your_domain": "acme"}, map[string]string{"THE_JIRA_CLOUD_PLATFORM_REST_USERNAME": f.email, "THE_JIRA_CLOUD_PLATFORM_REST_PASSWORD": f.token})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, g.res.YAML)
	}
	var projects, versions, issues []string
	for _, p := range f.projects {
		projects = append(projects, fmt.Sprintf("%s|%s", p["id"], p["key"]))
		for _, v := range f.versions[p["id"].(string)] {
			versions = append(versions, fmt.Sprintf("%s|%s|%d", v["id"], v["name"], v["projectId"]))
		}
	}
	for _, is := range f.issues {
		issues = append(issues, fmt.Sprintf("%s|%s|%s", is["id"], is["key"], is["fields"].(map[string]any)["summary"]))
	}
	sameRows(t, db, `SELECT id, key FROM project ORDER BY id`, projects)
	sameRows(t, db, `SELECT id, key FROM project_search ORDER BY id`, projects)
	sameRows(t, db, `SELECT id, name, project_id FROM version ORDER BY id`, versions)
	sameRows(t, db, `SELECT id, key, fields__summary FROM search ORDER BY id`, issues)
	noSecretIn(t, db, f.token)
	if n := f.badAuth.Load(); n != 0 {
		t.Errorf("%d request(s) without the email and API token", n)
	}
}

// TestJiraPlaceholderServerIsNoDefault checks that the document's
// placeholder server (https://your-domain.atlassian.net) becomes a
// variable without a default: a run that does not set it fails before
// any request, instead of sending the user's credentials to whoever
// holds the placeholder's name.
func TestJiraPlaceholderServerIsNoDefault(t *testing.T) {
	g := generateVendor(t, "jira.yaml")
	if got := g.spec.Client.BaseURL; got != "https://{vars.your_domain}.atlassian.net/" {
		t.Errorf("base_url %q, want the placeholder as a variable", got)
	}
	if v, ok := g.spec.Vars["your_domain"]; !ok || v.Default != nil {
		t.Errorf("vars.your_domain %+v (declared %v), want one without a default", v, ok)
	}
	if !strings.Contains(strings.Join(g.res.Notes, "\n"), "your-domain") {
		t.Errorf("init's notes do not name the placeholder: %q", g.res.Notes)
	}
}
