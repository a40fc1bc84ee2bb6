package engine_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

// jiraProjects serves GET /rest/api/3/project/search as Jira Cloud
// documents it ("Get projects paginated",
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-projects/,
// and "Pagination" in https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/):
// a PageBean {"self", "nextPage", "maxResults", "startAt", "total",
// "isLast", "values"}; startAt and maxResults (Jira may return fewer
// than asked: this fake caps at 2); nextPage, the next page's whole URL,
// absent on the last page. Timestamps come as "2024-01-01T10:00:00.000+0000".
// Basic auth with an email and an API token; errors are
// {"errorMessages": [...], "errors": {}}.
type jiraProjects struct {
	total   int
	mode    atomic.Value // string: "" or a hostile variant
	foreign string
}

const (
	jiraEmail = "bot@acme.test"
	jiraToken = "ATATT3xS3CRETjiratoken"
)

func jiraProject(n int) string {
	cat := ""
	if n%2 == 0 {
		cat = `,"projectCategory":{"id":"10000","name":"FIRST","description":"First Project Category"}`
	}
	return fmt.Sprintf(`{"self":"https://acme.atlassian.net/rest/api/3/project/%d","id":"%d","key":"P%d","name":"Project %d","avatarUrls":{"48x48":"https://acme.atlassian.net/secure/projectavatar?size=large&pid=%d","16x16":"https://acme.atlassian.net/secure/projectavatar?size=xsmall&pid=%d"}%s,"simplified":%t,"style":"%s","insight":{"totalIssueCount":%d,"lastIssueUpdateTime":"2024-03-%02dT10:00:00.000+0000"}}`,
		10000+n, 10000+n, n, n, 10000+n, 10000+n, cat, n%3 == 0, map[bool]string{true: "next-gen", false: "classic"}[n%3 == 0], 100*n, n)
}

func (j *jiraProjects) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode, _ := j.mode.Load().(string)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	if u, p, ok := r.BasicAuth(); !ok || u != jiraEmail || p != jiraToken {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}`)
		return
	}
	if r.URL.Path != "/rest/api/3/project/search" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errorMessages":["Not found"],"errors":{}}`)
		return
	}
	q := r.URL.Query()
	startAt, _ := strconv.Atoi(q.Get("startAt"))
	maxResults, err := strconv.Atoi(q.Get("maxResults"))
	if err != nil || maxResults < 1 {
		maxResults = 50
	}
	maxResults = min(maxResults, 2) // Jira returns fewer than asked
	var items []string
	to := min(startAt+maxResults, j.total)
	for n := startAt + 1; n <= to; n++ {
		items = append(items, jiraProject(n))
	}
	isLast := to >= j.total
	self := fmt.Sprintf("http://%s%s?%s", r.Host, r.URL.Path, r.URL.RawQuery)
	body := fmt.Sprintf(`{"self":%q,"maxResults":%d,"startAt":%d,"total":%d,"isLast":%t,"values":[%s]`, self, maxResults, startAt, j.total, isLast, strings.Join(items, ","))
	if !isLast && !(mode == "nonext" && startAt > 0) {
		q.Set("startAt", strconv.Itoa(to))
		q.Set("maxResults", strconv.Itoa(maxResults))
		host := "http://" + r.Host
		if mode == "foreign" {
			host = j.foreign
		}
		body += fmt.Sprintf(`,"nextPage":"%s%s?%s"`, host, r.URL.Path, q.Encode())
	}
	fmt.Fprint(w, body+"}")
}

var jiraCols = []string{"self", "id", "key", "name", "avatar_urls___48x48", "avatar_urls___16x16", "project_category__id", "project_category__name", "project_category__description", "simplified", "style", "insight__total_issue_count", "insight__last_issue_update_time"}

func jiraWant(total int) []string {
	var want []string
	for n := 1; n <= total; n++ {
		cat := "NULL|NULL|NULL"
		if n%2 == 0 {
			cat = "'10000'|'FIRST'|'First Project Category'"
		}
		simple, style := 0, "classic"
		if n%3 == 0 {
			simple, style = 1, "next-gen"
		}
		want = append(want, fmt.Sprintf("'https://acme.atlassian.net/rest/api/3/project/%d'|'%d'|'P%d'|'Project %d'|'https://acme.atlassian.net/secure/projectavatar?size=large&pid=%d'|'https://acme.atlassian.net/secure/projectavatar?size=xsmall&pid=%d'|%s|%d|'%s'|%d|'2024-03-%02dT10:00:00.000000000Z'",
			10000+n, 10000+n, n, n, 10000+n, 10000+n, cat, simple, style, 100*n, n))
	}
	return want
}

func jiraEnv(token string) map[string]string {
	return map[string]string{"JIRA_EMAIL": jiraEmail, "JIRA_API_TOKEN": token}
}

// TestJiraProjectsLoadExactly follows Jira's nextPage URLs, with pages
// shorter than maxResults asked, to the page with isLast true: every
// project once, each value with its type (Jira's "+0000" timestamps as
// instants).
func TestJiraProjectsLoadExactly(t *testing.T) {
	for _, total := range []int{7, 6, 2} {
		t.Run(strconv.Itoa(total), func(t *testing.T) {
			api := &jiraProjects{total: total}
			srv := newLinksServer(t, jiraToken, api)
			db := filepath.Join(t.TempDir(), "jira.db")
			if _, err := linksLoad(t, "jira", srv.URL, db, jiraEnv(jiraToken)); err != nil {
				t.Fatal(err)
			}
			linksCompare(t, "projects", linksTable(t, db, "projects", "CAST(id AS INTEGER)", jiraCols...), jiraWant(total))
		})
	}
}

// TestJiraHostileLinks: a nextPage on another host fails before anything
// is sent there; a page that drops nextPage while isLast is false and the
// total is above the projects read fails naming "total"; a bad token
// fails naming the resource and the URL, never the token.
func TestJiraHostileLinks(t *testing.T) {
	runHostileLinks(t, linksVendor{name: "jira", table: "projects", cred: jiraToken, empty: `{"values":[]}`,
		env: func(cred string) map[string]string { return jiraEnv(cred) },
		api: func(foreign, mode string) http.Handler {
			a := &jiraProjects{total: 7, foreign: foreign}
			a.mode.Store(mode)
			return a
		},
	}, []linksHostile{
		{mode: "foreign", sentinel: rest.ErrOutOfScope, msgs: []string{`resource "projects": page 2: GET http://127.0.0.1:`, "/rest/api/3/project/search?expand=insight&maxResults=2&startAt=2: origin not allowed"}},
		{mode: "nonext", sentinel: rest.ErrMorePages, msgs: []string{`resource "projects": page 2: GET http://api.test/rest/api/3/project/search?expand=insight&maxResults=2&startAt=2: json_link: no link at next_url_path "nextPage", but body "total" is 7 and 4 records were read`}},
		{cred: "wrong", sentinel: rest.ErrUnauthorized, msgs: []string{`resource "projects": page 1: GET http://api.test/rest/api/3/project/search?expand=insight&maxResults=3`, "401"}},
	})
}
