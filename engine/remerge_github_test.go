package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine"
)

// githubIssues serves GET /repos/o/r/issues as GitHub documents it (REST
// API "List repository issues"): a JSON array of issues with user,
// labels and assignees, pages by per_page and a Link header. Version 2
// of the data changes issue 2 at its root (closed), adds a label to issue
// 3, gives issue 4 the same content with its members in another order,
// and lists issue 5's labels in another order.
type githubIssues struct{ version atomic.Int32 }

func (g *githubIssues) issue(n int) string {
	v2 := g.version.Load() == 2
	state, closedAt := "open", "null"
	if v2 && n == 2 {
		state, closedAt = "closed", `"2024-03-02T10:00:00Z"`
	}
	labels := []string{fmt.Sprintf(`{"id":%d,"name":"bug","color":"d73a4a","default":true}`, 100+n)}
	if n%2 == 1 {
		labels = append(labels, fmt.Sprintf(`{"id":%d,"name":"help wanted","color":"008672","default":false}`, 200+n))
	}
	if v2 && n == 3 {
		labels = append(labels, `{"id":303,"name":"question","color":"d876e3","default":false}`)
	}
	if v2 && n == 5 {
		labels[0], labels[1] = labels[1], labels[0]
	}
	members := []string{
		fmt.Sprintf(`"id":%d`, 1000+n),
		fmt.Sprintf(`"number":%d`, n),
		fmt.Sprintf(`"title":"Issue %d"`, n),
		fmt.Sprintf(`"state":%q`, state),
		`"user":{"login":"octocat","id":1}`,
		`"labels":[` + strings.Join(labels, ",") + `]`,
		fmt.Sprintf(`"assignees":[{"login":"hubot","id":2},{"login":"dev%d","id":%d}]`, n, 10+n),
		`"comments":0`,
		`"created_at":"2024-03-01T10:00:00Z"`,
		fmt.Sprintf(`"closed_at":%s`, closedAt),
		`"reactions":{"total_count":1,"+1":1,"-1":0}`,
	}
	if v2 && n == 4 {
		for i, j := 0, len(members)-1; i < j; i, j = i+1, j-1 {
			members[i], members[j] = members[j], members[i]
		}
	}
	return "{" + strings.Join(members, ",") + "}"
}

func (g *githubIssues) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/repos/o/r/issues" {
		http.NotFound(w, r)
		return
	}
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if per < 1 || page < 1 {
		per, page = 30, 1
	}
	const total = 7
	var items []string
	for n := (page-1)*per + 1; n <= min(page*per, total); n++ {
		items = append(items, g.issue(n))
	}
	if page*per < total {
		w.Header().Set("Link", fmt.Sprintf(`<http://%s/repos/o/r/issues?per_page=%d&page=%d>; rel="next"`, r.Host, per, page+1))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprint(w, "["+strings.Join(items, ",")+"]")
}

const githubSpec = `
name: gh
vars:
  api_url: {default: "http://unused.invalid"}
client:
  base_url: "{vars.api_url}/"
  auth: {type: bearer, token: "{secrets.acme_token}"}
  paginator: {type: header_link}
resources:
  - name: issues
    primary_key: id
    write_disposition: merge
    endpoint:
      path: repos/o/r/issues
      data_selector: "@this"
      params: {per_page: "3", page: "1"}
`

// TestRemergeGitHubIssues merges GitHub-shaped issues again after changes
// of every kind the fingerprint parts tell apart (root only, one child
// table, members reordered, list reordered): the tables end exactly as a
// fresh load of the new data makes them, and only the changed tables'
// rows are counted as written.
func TestRemergeGitHubIssues(t *testing.T) {
	api := &githubIssues{}
	api.version.Store(1)
	srv := httptest.NewServer(api)
	defer srv.Close()
	dir := t.TempDir()
	run := func(path string) *destinations.RowCounts {
		t.Helper()
		p := specPlan(t, "github.yml", []byte(githubSpec), srv.URL)
		rep, err := runInto(t, p, path, engine.Options{
			Secrets: secrets.Env{Lookup: func(k string) (string, bool) { return "gh-token", k == "ACME_TOKEN" }},
			Sleep:   noWait,
		})
		if err != nil {
			t.Fatal(err)
		}
		c := rep.Changes["issues__labels"]
		return &c
	}
	merged := filepath.Join(dir, "merged.db")
	run(merged)
	api.version.Store(2)
	labels := run(merged)
	fresh := filepath.Join(dir, "fresh.db")
	run(fresh)
	if got, want := dump(t, merged), dump(t, fresh); got != want {
		t.Errorf("merged tables differ from a fresh load of the same data:\nmerged:\n%s\nfresh:\n%s", got, want)
	}
	// Issue 3 gained a label (1 inserted); issue 5's two labels swapped
	// places (2 updated); issue 4 reordered is read and found unchanged.
	if labels.Inserted != 1 || labels.Updated != 2 || labels.Deleted != 0 {
		t.Errorf("issues__labels counts after the changes %+v, want 1 inserted, 2 updated", *labels)
	}
}
