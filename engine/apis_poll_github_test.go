package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
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

// pollWaits fails t unless the run waited n times, each of d.
func pollWaits(t *testing.T, s *curSleeps, n int, d time.Duration) {
	t.Helper()
	waits := s.all()
	if len(waits) != n {
		t.Errorf("waited %v, want %d waits of %s", waits, n, d)
		return
	}
	for _, w := range waits {
		if w != d {
			t.Errorf("waited %v, want %d waits of %s", waits, n, d)
			return
		}
	}
}

// TestPollGithubStats: each repository's statistics answer 202 {} twice,
// then 200 with the contributors; with poll, pipe asks three times per
// repository, waits poll.interval between, and loads the 200's records
// only: two contributors per repository, their weeks in a child table.
func TestPollGithubStats(t *testing.T) {
	api := newPollGithubStats(2)
	var s curSleeps
	r, _ := curServe(t, api, "poll_github", "", pollGithubEnv(), s.tune)
	r.mustLoad(t)
	r.checkTable(t, pollGithubQuery, api.want("api", "infra", "web"))
	r.checkTable(t, `SELECT count(*) FROM contributor_stats__weeks`, []string{"12"})
	r.checkTable(t, `SELECT sum(c) FROM contributor_stats__weeks`, []string{fmt.Sprint(pollGithubCommits("api", "web", "infra"))})
	for _, repo := range api.repos {
		if n := api.statsRequests(repo); n != 3 {
			t.Errorf("%d requests for %s's statistics, want 3", n, repo)
		}
	}
	pollWaits(t, &s, 6, 3*time.Second)
	r.noSecret(t, pollGithubToken)
}

// pollGithubCommits sums the weekly commits the fake serves for repos.
func pollGithubCommits(repos ...string) int {
	sum := 0
	for _, repo := range repos {
		for _, c := range pollGithubContributors(repo) {
			for _, w := range c["weeks"].([]map[string]any) {
				sum += w["c"].(int)
			}
		}
	}
	return sum
}

// TestPollGithubStatsEmptyBody202: a 202 without a body is not ready
// either (a proxy that drops GitHub's {}), and the 200 after it loads.
func TestPollGithubStatsEmptyBody202(t *testing.T) {
	api := newPollGithubStats(1)
	empty := ""
	api.body202 = &empty
	var s curSleeps
	r, _ := curServe(t, api, "poll_github", "", pollGithubEnv(), s.tune)
	r.mustLoad(t)
	r.checkTable(t, pollGithubQuery, api.want("api", "infra", "web"))
	pollWaits(t, &s, 3, 3*time.Second)
}

// TestPollGithubStatsRetryAfter: a Retry-After on the 202 wins over
// poll.interval.
func TestPollGithubStatsRetryAfter(t *testing.T) {
	api := newPollGithubStats(1)
	api.retryAfter = "7"
	var s curSleeps
	r, _ := curServe(t, api, "poll_github", "", pollGithubEnv(), s.tune)
	r.mustLoad(t)
	r.checkTable(t, pollGithubQuery, api.want("api", "infra", "web"))
	pollWaits(t, &s, 3, 7*time.Second)
}

// TestPollGithubStatsRetryAfterHour: a Retry-After of an hour on the
// 202, past poll.timeout (2m), fails the run at once, naming the header
// and the setting: pipe neither sleeps an hour nor polls every 3 s
// against the server's wish.
func TestPollGithubStatsRetryAfterHour(t *testing.T) {
	api := newPollGithubStats(-1)
	api.retryAfter = "3600"
	var s curSleeps
	r, srvURL := curServe(t, api, "poll_github", "", pollGithubEnv(), s.tune)
	r.failedClean(t, srvURL, rest.ErrNotReady, pollGithubToken, []string{"contributor_stats"},
		`resource "contributor_stats"`, "/stats/contributors", "Retry-After asks to wait 1h0m0s", "endpoint.poll.timeout 2m0s", "202 Accepted")
	for _, w := range s.all() {
		if w > 3*time.Second {
			t.Errorf("waited %s", w)
		}
	}
	for _, repo := range api.repos {
		if n := api.statsRequests(repo); n > 1 {
			t.Errorf("%d requests for %s's statistics, want at most 1", n, repo)
		}
	}
}

// TestPollGithubStatsForever: statistics that stay 202 fail the run once
// poll.timeout has passed (2m at 3s: 40 requests), naming the setting and
// the last answer, with nothing loaded.
func TestPollGithubStatsForever(t *testing.T) {
	api := newPollGithubStats(2)
	api.pending["web"] = -1
	var s curSleeps
	r, srvURL := curServe(t, api, "poll_github", "", pollGithubEnv(), s.tune)
	r.failedClean(t, srvURL, rest.ErrNotReady, pollGithubToken, []string{"contributor_stats", "contributor_stats__weeks"},
		`resource "contributor_stats"`, "GET http://api.test/repos/acme/web/stats/contributors", "not ready within endpoint.poll.timeout 2m0s", "40 request(s) 3s apart", "the last answered 202 Accepted")
	t.Log(r.err)
	if n := api.statsRequests("web"); n != 40 {
		t.Errorf("%d requests for web's statistics, want 40", n)
	}
}

// TestPollGithubStatsEmptyRepo: GitHub answers 204 for an empty
// repository; under poll it is a ready answer with no contributor.
func TestPollGithubStatsEmptyRepo(t *testing.T) {
	api := newPollGithubStats(1)
	api.empty["infra"] = true
	var s curSleeps
	r, _ := curServe(t, api, "poll_github", "", pollGithubEnv(), s.tune)
	r.mustLoad(t)
	r.checkTable(t, pollGithubQuery, api.want("api", "web"))
	pollWaits(t, &s, 2, 3*time.Second)
}

// TestPollGithubStatsRuleWithoutPoll: the response_actions rule the 202
// error names, {status_code: 202, action: retry}, also gets the
// statistics, within client.retry's attempts and backoff.
func TestPollGithubStatsRuleWithoutPoll(t *testing.T) {
	api := newPollGithubStats(2)
	text := strings.Replace(pollGithubNoPoll(t), "      paginator: single_page\n", "      paginator: single_page\n      response_actions: [{status_code: 202, action: retry}]\n", 1)
	r, _ := curServe(t, api, "poll_github", text, pollGithubEnv())
	r.mustLoad(t)
	r.checkTable(t, pollGithubQuery, api.want("api", "infra", "web"))
}
