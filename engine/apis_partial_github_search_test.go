package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const githubSearchToken = "ghp_S3archT0ken"

// githubSearch serves GET /search/issues as GitHub documents it
// (https://docs.github.com/en/rest/search/search): {"total_count",
// "incomplete_results", "items"}, per_page items a page, a Link header
// with rel="next" and rel="last" while pages follow. A query that times
// out answers with the matches found so far and incomplete_results true
// ("Troubleshooting search queries"): timeoutPage is the page (1-based)
// that does so, timeouts times, 0 for none; its total_count counts the
// matches found so far.
type githubSearch struct {
	total, perPage int
	timeoutPage    int
	timeouts       atomic.Int32
	requests       atomic.Int32
}

func (g *githubSearch) issue(n int) string {
	return fmt.Sprintf(`{"url":"https://api.github.com/repos/acme/app/issues/%d","id":%d,"number":%d,"title":"Crash %d","user":{"login":"octocat","id":583231},"labels":[],"state":"open","comments":%d,"created_at":"2024-05-0%dT10:00:00Z","updated_at":"2024-05-0%dT11:00:00Z","closed_at":null,"body":"Steps %d","score":1.0}`,
		n, 9000+n, n, n, n%4, 1+n%9, 1+n%9, n)
}

func (g *githubSearch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.requests.Add(1)
	if r.Header.Get("Authorization") != "Bearer "+githubSearchToken {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`)
		return
	}
	if r.URL.Path != "/search/issues" || r.URL.Query().Get("q") != "repo:acme/app is:issue" {
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"message":"Validation Failed"}`)
		return
	}
	page := 1
	if p := r.URL.Query().Get("page"); p != "" {
		page, _ = strconv.Atoi(p)
	}
	last := max(1, (g.total+g.perPage-1)/g.perPage)
	from, to := (page-1)*g.perPage+1, min(page*g.perPage, g.total)
	count := g.total
	incomplete := page == g.timeoutPage && g.timeouts.Add(-1) >= 0
	if incomplete {
		to = from // the one match found before the timeout
		count = to
	}
	var items []string
	for n := from; n <= to; n++ {
		items = append(items, g.issue(n))
	}
	link := func(p int, rel string) string {
		return fmt.Sprintf(`<http://%s/search/issues?q=repo%%3Aacme%%2Fapp+is%%3Aissue&per_page=%d&page=%d>; rel="%s"`, r.Host, g.perPage, p, rel)
	}
	if page < last {
		w.Header().Set("Link", link(page+1, "next")+", "+link(last, "last"))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprintf(w, `{"total_count":%d,"incomplete_results":%t,"items":[%s]}`, count, incomplete, strings.Join(items, ","))
}

// githubSearchWant is the issues table for issues 1..total: id, number,
// title, comments.
func githubSearchWant(total int) []string {
	var want []string
	for n := 1; n <= total; n++ {
		want = append(want, fmt.Sprintf("%d|%d|Crash %d|%d", 9000+n, n, n, n%4))
	}
	return want
}

const githubSearchQuery = `SELECT id, number, title, comments FROM issues ORDER BY id`

// TestGitHubSearchIncompleteResults: a search answer with
// incomplete_results true (GitHub's query timed out and it sent the
// matches found so far) fails the run, on the first page or a later one,
// naming the field and the response_actions that retry it or accept it;
// pipe loaded such a walk's pages as they were and exited 0 with the
// issues the timed-out page lacked missing.
func TestGitHubSearchIncompleteResults(t *testing.T) {
	env := map[string]string{"GITHUB_TOKEN": githubSearchToken}
	t.Run("complete", func(t *testing.T) {
		run, _ := curServe(t, &githubSearch{total: 8, perPage: 3}, "github_search", "", env)
		run.mustLoad(t)
		run.checkTable(t, githubSearchQuery, githubSearchWant(8))
		run.noSecret(t, githubSearchToken)
	})
	for _, page := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("timeout on page %d", page), func(t *testing.T) {
			api := &githubSearch{total: 8, perPage: 3, timeoutPage: page}
			api.timeouts.Store(1)
			run, url := curServe(t, api, "github_search", "", env)
			run.mustFail(t, url, `resource "issues"`, fmt.Sprintf("page %d: GET http://api.test/search/issues?", page),
				`body "incomplete_results" is true`, "{condition: \"incomplete_results\", action: retry}")
			if !strings.Contains(run.err.Error(), rest.ErrPartial.Error()) {
				t.Errorf("err = %v, want %v", run.err, rest.ErrPartial)
			}
			run.noRows(t, "issues")
			run.noSecret(t, githubSearchToken)
		})
	}
	spec := func(action string) string {
		return strings.Replace(curTestdata(t, "github_search"), "      data_selector: items\n",
			"      data_selector: items\n      response_actions:\n        - {condition: incomplete_results, action: "+action+"}\n", 1)
	}
	t.Run("retried by a response action", func(t *testing.T) {
		api := &githubSearch{total: 8, perPage: 3, timeoutPage: 2}
		api.timeouts.Store(2)
		run, _ := curServe(t, api, "github_search", spec("retry"), env)
		run.mustLoad(t)
		run.checkTable(t, githubSearchQuery, githubSearchWant(8))
		if got := api.requests.Load(); got != 5 {
			t.Errorf("%d requests, want 5 (page 2 asked three times)", got)
		}
	})
	t.Run("loaded as it is by a response action", func(t *testing.T) {
		api := &githubSearch{total: 8, perPage: 3, timeoutPage: 3}
		api.timeouts.Store(1)
		run, _ := curServe(t, api, "github_search", spec("load"), env)
		run.mustLoad(t)
		run.checkTable(t, githubSearchQuery, githubSearchWant(7))
	})
}
