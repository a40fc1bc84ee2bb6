package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// pollGithubToken is the token the statistics fake expects.
const pollGithubToken = "ghp_pollStatsFakeToken0123456789abcdef"

// pollGithubStats serves GitHub's "List organization repositories"
// (docs.github.com/en/rest/repos/repos#list-organization-repositories: a
// JSON array per page, RFC 8288 Link rel="next", per_page and page) and
// "Get all contributor commit activity"
// (docs.github.com/en/rest/metrics/statistics#get-all-contributor-commit-activity):
// per contributor {author: {login, id, …}, total, weeks: [{w, a, d, c}]},
// w the start of the week in Unix seconds. Its "Best practices for
// caching" section says: "If the data hasn't been cached when you query a
// repository's statistics, you'll receive a 202 response; a background
// job is also fired to start compiling these statistics. You should allow
// the job a short time to complete, and then submit the request again. If
// the job has completed, that request will receive a 200 response with
// the statistics in the response body." The reference gives the 202's
// body as {} and a 204 ("A header with no content is returned") for an
// empty repository. "Authorization: Bearer <token>", else 401 {"message":
// "Bad credentials"}.
//
// pending[repo] is how many more requests for repo's statistics answer
// 202 (negative: always); empty lists repositories answered 204;
// body202 replaces the 202's {} (empty: no body at all); retryAfter, when
// set, is sent with every 202.
type pollGithubStats struct {
	mu         sync.Mutex
	repos      []string
	pending    map[string]int
	empty      map[string]bool
	body202    *string
	retryAfter string
	requests   []string
}

func newPollGithubStats(pending int) *pollGithubStats {
	f := &pollGithubStats{repos: []string{"api", "web", "infra"}, pending: map[string]int{}, empty: map[string]bool{}}
	for _, r := range f.repos {
		f.pending[r] = pending
	}
	return f
}

// pollGithubContributors is what the statistics of repo hold once
// computed: two contributors, each with two weeks.
func pollGithubContributors(repo string) []map[string]any {
	n := len(repo) // differs per repository: api 3, web 3, infra 5
	var out []map[string]any
	for i, login := range []string{"octocat", "hubot"} {
		weeks := []map[string]any{
			{"w": 1367712000, "a": 100*n + i, "d": 7 * n, "c": n + i},
			{"w": 1368316800, "a": 10 * n, "d": i, "c": 1 + i},
		}
		out = append(out, map[string]any{
			"author": map[string]any{"login": login, "id": i + 1, "node_id": "MDQ6VXNlcj" + strconv.Itoa(i+1), "type": "User", "site_admin": false},
			"total":  n + i + 1 + i,
			"weeks":  weeks,
		})
	}
	return out
}

func (f *pollGithubStats) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer "+pollGithubToken {
		curWrite(w, http.StatusUnauthorized, `{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}`)
		return
	}
	switch {
	case r.URL.Path == "/orgs/acme/repos":
		per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		page := max(curQueryInt(r.URL.Query(), "page", 1), 1)
		per = max(per, 1)
		lo, hi := min((page-1)*per, len(f.repos)), min(page*per, len(f.repos))
		var items []string
		for i, name := range f.repos[lo:hi] {
			items = append(items, fmt.Sprintf(`{"id": %d, "name": %q, "full_name": "acme/%s", "private": true}`, 100+lo+i, name, name))
		}
		if hi < len(f.repos) {
			q := r.URL.Query()
			q.Set("page", strconv.Itoa(page+1))
			w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?%s>; rel="next"`, r.Host, r.URL.Path, q.Encode()))
		}
		curWrite(w, http.StatusOK, "["+strings.Join(items, ",")+"]")
	case strings.HasPrefix(r.URL.Path, "/repos/acme/") && strings.HasSuffix(r.URL.Path, "/stats/contributors"):
		repo := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/repos/acme/"), "/stats/contributors")
		if _, ok := f.pending[repo]; !ok {
			curWrite(w, http.StatusNotFound, `{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}`)
			return
		}
		if f.empty[repo] {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if f.pending[repo] != 0 {
			if f.pending[repo] > 0 {
				f.pending[repo]--
			}
			if f.retryAfter != "" {
				w.Header().Set("Retry-After", f.retryAfter)
			}
			body := "{}"
			if f.body202 != nil {
				body = *f.body202
			}
			if body == "" {
				w.WriteHeader(http.StatusAccepted)
				return
			}
			curWrite(w, http.StatusAccepted, body)
			return
		}
		curWrite(w, http.StatusOK, curJSON(pollGithubContributors(repo)))
	default:
		curWrite(w, http.StatusNotFound, `{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}`)
	}
}

// statsRequests counts the requests for repo's statistics.
func (f *pollGithubStats) statsRequests(repo string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r == "GET /repos/acme/"+repo+"/stats/contributors" {
			n++
		}
	}
	return n
}

// want is the contributor_stats table when every repository's statistics
// loaded, as pollGithubQuery reads it.
func (f *pollGithubStats) want(repos ...string) []string {
	var out []string
	for _, repo := range repos {
		for _, c := range pollGithubContributors(repo) {
			out = append(out, fmt.Sprintf("%s|%v|%v", repo, c["author"].(map[string]any)["login"], c["total"]))
		}
	}
	return out
}

const pollGithubQuery = `SELECT _repos_name, author__login, total FROM contributor_stats ORDER BY _repos_name, author__id`

func pollGithubEnv() map[string]string { return map[string]string{"GITHUB_TOKEN": pollGithubToken} }

// pollGithubNoPoll is the spec without its poll block: what a spec
// written before poll existed runs.
func pollGithubNoPoll(t *testing.T) string {
	return curEdited(t, "poll_github", "      poll: {interval: 3s, timeout: 2m}\n", "")
}

// TestPollGithubStatsAcceptedWithoutPoll: without poll, GitHub's 202 {}
// ("statistics not computed yet") must not load as a repository without
// contributors: the run fails naming the 202, the resource and poll.
func TestPollGithubStatsAcceptedWithoutPoll(t *testing.T) {
	for _, body := range []string{"{}", ""} {
		t.Run(fmt.Sprintf("body %q", body), func(t *testing.T) {
			api := newPollGithubStats(1)
			api.body202 = &body
			r, srvURL := curServe(t, api, "poll_github", pollGithubNoPoll(t), pollGithubEnv())
			r.failedClean(t, srvURL, nil, pollGithubToken, []string{"contributor_stats"}, `resource "contributor_stats"`, "/stats/contributors", "202 Accepted", "endpoint.poll")
			t.Log(r.err)
		})
	}
}
