package engine_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Jira Data Center's issue search, GET /rest/api/2/search (JIRA Server
// platform REST API reference, "search"; pagination by startAt and
// maxResults, the answer {"startAt", "maxResults", "total", "issues"}).
// JQL ordered by a field that changes moves an issue updated while a
// client pages: JRASERVER-69860 shows an issue updated before startAt=5
// was read, and the page after skipping another. Here the order is
// "ORDER BY updated DESC", so the updated issue moves to the front, onto
// a page already read: the issue at the boundary comes twice with the
// same text, and the updated one on no page, while the total stays 7.

const jiraDCSpec = `
name: jira_dc
vars: {api_url: {default: "http://unused.invalid"}}
client:
  base_url: "{vars.api_url}/rest/api/2/"
  auth: {type: http_basic, username: "{secrets.jira_user}", password: "{secrets.jira_password}"}
resources:
  - name: issues
    primary_key: key
    write_disposition: replace
    endpoint:
      path: search
      params: {jql: "project = SSD ORDER BY updated DESC", fields: "summary,updated"}
      data_selector: issues
      paginator: {type: offset, offset_param: startAt, limit_param: maxResults, limit: 3, total_path: total}
`

var jiraDCEnv = map[string]string{"JIRA_USER": "robot", "JIRA_PASSWORD": "s3cret-DC"}

// jiraDC serves issues SSD-1..SSD-7, newest update first. After the page
// at startAt=0, edit (when set) updates that issue (it moves to the
// front) and add (when set) creates one (the total grows).
type jiraDC struct {
	mu      sync.Mutex
	order   []string       // keys, most recently updated first
	updated map[string]int // key → minute of its last update
	summary map[string]string
	edit    string
	add     bool
	clock   int
}

func newJiraDC() *jiraDC {
	j := &jiraDC{updated: map[string]int{}, summary: map[string]string{}, clock: 100}
	for n := 7; n >= 1; n-- {
		k := "SSD-" + strconv.Itoa(n)
		j.order = append(j.order, k)
		j.updated[k], j.summary[k] = n, "issue "+strconv.Itoa(n)
	}
	return j
}

func (j *jiraDC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != "robot" || p != "s3cret-DC" {
		curWrite(w, http.StatusUnauthorized, `{"errorMessages":["You are not authenticated."]}`)
		return
	}
	if r.URL.Path != "/rest/api/2/search" || r.URL.Query().Get("jql") != "project = SSD ORDER BY updated DESC" {
		curWrite(w, http.StatusBadRequest, `{"errorMessages":["unexpected request"]}`)
		return
	}
	start, max := curQueryInt(r.URL.Query(), "startAt", 0), curQueryInt(r.URL.Query(), "maxResults", 50)
	j.mu.Lock()
	defer j.mu.Unlock()
	var items []string
	for i := start; i < min(start+max, len(j.order)); i++ {
		k := j.order[i]
		items = append(items, fmt.Sprintf(`{"key":%q,"fields":{"summary":%q,"updated":"2024-03-01T10:%02d:00.000+0000"}}`, k, j.summary[k], j.updated[k]))
	}
	curWrite(w, http.StatusOK, fmt.Sprintf(`{"startAt":%d,"maxResults":%d,"total":%d,"issues":[%s]}`, start, max, len(j.order), strings.Join(items, ",")))
	if start != 0 {
		return
	}
	j.clock++
	if j.edit != "" {
		k := j.edit
		j.summary[k] += ", edited"
		j.updated[k] = j.clock
		j.order = append([]string{k}, slices.DeleteFunc(j.order, func(x string) bool { return x == k })...)
		j.edit = ""
	}
	if j.add {
		j.order = append([]string{"SSD-8"}, j.order...)
		j.updated["SSD-8"], j.summary["SSD-8"] = j.clock, "issue 8"
		j.add = false
	}
}

func TestJiraDCSearchOrderedByUpdate(t *testing.T) {
	t.Run("quiet", func(t *testing.T) {
		run, _ := curServe(t, newJiraDC(), "zendesk_export", jiraDCSpec, jiraDCEnv)
		run.mustLoad(t)
		run.checkTable(t, `SELECT key FROM issues ORDER BY key`, []string{"SSD-1", "SSD-2", "SSD-3", "SSD-4", "SSD-5", "SSD-6", "SSD-7"})
	})
	t.Run("an issue updated onto a page already read", func(t *testing.T) {
		// Read: 7 6 5 | 5 4 3 | 1, with SSD-2 moved to the front: on no page.
		j := newJiraDC()
		j.edit = "SSD-2"
		run, srv := curServe(t, j, "zendesk_export", jiraDCSpec, jiraDCEnv)
		run.mustFail(t, srv, `resource "issues"`, "http://api.test/rest/api/2/search?", "startAt=3",
			`the record key="SSD-5" came twice in this walk, on two pages, while the total of records the API reports stayed the same`,
			"another record is on no page", "the load would complete without it")
		run.noRows(t, "issues")
		run.noSecret(t, "s3cret-DC")
	})
	t.Run("an issue created during the walk", func(t *testing.T) {
		// The total grows from 7 to 8: the walk fails on the total, as before.
		j := newJiraDC()
		j.add = true
		run, srv := curServe(t, j, "zendesk_export", jiraDCSpec, jiraDCEnv)
		run.mustFail(t, srv, `resource "issues"`, `total_path "total" was 7 and is 8`)
		run.noRows(t, "issues")
	})
}
