package engine_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const newcomerGitHubToken = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"

// newcomerGitHubGraphQL serves POST /graphql as GitHub documents it
// (https://docs.github.com/en/graphql/guides/forming-calls-with-graphql,
// https://docs.github.com/en/graphql/guides/using-pagination-in-the-graphql-api,
// https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api):
// Authorization: bearer TOKEN, else 401 {"message": "Bad credentials"};
// a JSON body {"query", "variables"}; a connection's first 1..100 (else a
// 200 with only errors), after a cursor from pageInfo.endCursor (opaque
// base64, with "=" and "+"); {"data": {"repository": {"issues":
// {"nodes", "pageInfo": {"endCursor", "hasNextPage"}}}}}.
//
// mode: "" as documented; "emptyerrors" (page 2 holds "errors": [], as
// some GraphQL servers send beside complete data); "partial" (page 2 also holds errors of type
// NOT_FOUND beside its data, as GitHub answers a field it cannot resolve);
// "ratelimited" (the second request gets a 200 with x-ratelimit-remaining
// 0, x-ratelimit-reset and data null beside an error of type
// RATE_LIMITED, then answers); "nullcursor" (page 2 says hasNextPage
// true with endCursor null); "samecursor" (page 2 answers page 1's
// endCursor again).
type newcomerGitHubGraphQL struct {
	mode     string
	resetAt  int64 // x-ratelimit-reset of "ratelimited" (1700000000 when 0)
	mu       sync.Mutex
	requests int
	afters   []string
	issues   []map[string]any
}

func newNewcomerGitHubGraphQL(mode string) *newcomerGitHubGraphQL {
	a := &newcomerGitHubGraphQL{mode: mode}
	for i := 1; i <= 5; i++ {
		var labels []map[string]any
		if i%2 == 1 {
			labels = append(labels, map[string]any{"name": "bug"})
		}
		a.issues = append(a.issues, map[string]any{
			"id": fmt.Sprintf("I_kwDOABCD5M5%dxyz", i), "number": 1340 + i, "title": fmt.Sprintf("Issue %d", i),
			"state": []string{"OPEN", "CLOSED"}[i%2], "createdAt": fmt.Sprintf("2024-02-0%dT10:00:00Z", i),
			"author": map[string]any{"login": "octocat"}, "labels": map[string]any{"nodes": append([]map[string]any{}, labels...)},
		})
	}
	return a
}

// cursor is GitHub's opaque cursor of the issue at index i: base64 of a
// text that ends in a number, padded, with a "+" in it.
func newcomerGitHubCursor(i int) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("cursor:v2:\xfb\xef%c%d", 'a'+i, i)))
}

func (a *newcomerGitHubGraphQL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if r.Header.Get("Authorization") != "Bearer "+newcomerGitHubToken && r.Header.Get("Authorization") != "bearer "+newcomerGitHubToken {
		curWrite(w, 401, `{"message": "Bad credentials", "documentation_url": "https://docs.github.com/graphql"}`)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/graphql" {
		curWrite(w, 404, `{"message": "Not Found"}`)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || !strings.Contains(body.Query, "repository(") {
		curWrite(w, 200, `{"errors": [{"message": "A query attribute must be specified and must be a string."}]}`)
		return
	}
	first, _ := body.Variables["first"].(float64)
	if first < 1 || first > 100 {
		curWrite(w, 200, `{"errors": [{"message": "Requesting 0 records on the connection exceeds the first limit of 100 records.", "type": "EXCESSIVE_PAGINATION"}]}`)
		return
	}
	after, _ := body.Variables["after"].(string)
	a.afters = append(a.afters, after)
	if a.mode == "ratelimited" && a.requests == 2 {
		w.Header().Set("X-Ratelimit-Remaining", "0")
		reset := a.resetAt
		if reset == 0 {
			reset = 1700000000
		}
		w.Header().Set("X-Ratelimit-Reset", fmt.Sprint(reset))
		curWrite(w, 200, `{"data": null, "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 583231."}]}`)
		return
	}
	from := 0
	if after != "" {
		from = -1
		for i := range a.issues {
			if newcomerGitHubCursor(i) == after {
				from = i + 1
			}
		}
		if from < 0 {
			curWrite(w, 200, `{"data": {"repository": null}, "errors": [{"type": "INVALID_CURSOR_ARGUMENTS", "path": ["repository", "issues"], "message": "`+"`"+after+"`"+` does not appear to be a valid cursor."}]}`)
			return
		}
	}
	to := min(from+int(first), len(a.issues))
	nodes := a.issues[from:to]
	var end any
	if to > from {
		end = newcomerGitHubCursor(to - 1)
	}
	next := to < len(a.issues)
	page := len(a.afters)
	switch {
	case a.mode == "nullcursor" && page == 2:
		end = nil
	case a.mode == "samecursor" && page == 2:
		end = newcomerGitHubCursor(int(first) - 1)
	}
	resp := map[string]any{"data": map[string]any{"repository": map[string]any{"issues": map[string]any{
		"nodes": nodes, "pageInfo": map[string]any{"endCursor": end, "hasNextPage": next}}}}}
	if a.mode == "emptyerrors" && page == 2 {
		resp["errors"] = []any{}
	}
	if a.mode == "partial" && page == 2 {
		resp["errors"] = []map[string]any{{"type": "NOT_FOUND", "path": []any{"repository", "issues", "nodes", 0, "author"}, "message": "Could not resolve to a User with the login of 'ghost'."}}
	}
	curWrite(w, 200, curJSON(resp))
}

func newcomerGitHubEnv() map[string]string {
	return map[string]string{"GITHUB_TOKEN": newcomerGitHubToken}
}

const newcomerGitHubQuery = `SELECT id, number, title, state, created_at, author__login FROM issues ORDER BY number`

func (a *newcomerGitHubGraphQL) want() []string {
	var want []string
	for _, is := range a.issues {
		created, _ := time.Parse(time.RFC3339, is["createdAt"].(string))
		want = append(want, fmt.Sprintf("%v|%v|%v|%v|%v|octocat", is["id"], is["number"], is["title"], is["state"], created.UTC()))
	}
	return want
}

// TestNewcomerGitHubGraphQLIssues: five issues in pages of two, the
// cursor sent back in variables.after byte for byte (none on page 1), the
// walk ended by hasNextPage false; labels' nodes a grandchild table.
func TestNewcomerGitHubGraphQLIssues(t *testing.T) {
	for _, mode := range []string{"", "emptyerrors"} {
		t.Run("mode="+mode, func(t *testing.T) { newcomerGitHubIssues(t, mode) })
	}
}

func newcomerGitHubIssues(t *testing.T, mode string) {
	api := newNewcomerGitHubGraphQL(mode)
	r, _ := curServe(t, api, "newcomer_github_graphql", "", newcomerGitHubEnv())
	r.mustLoad(t)
	r.checkTable(t, newcomerGitHubQuery, api.want())
	r.checkTable(t, `SELECT count(*) FROM issues__labels__nodes WHERE name = 'bug'`, []string{"3"})
	r.noSecret(t, newcomerGitHubToken)
	want := []string{"", newcomerGitHubCursor(1), newcomerGitHubCursor(3)}
	if fmt.Sprint(api.afters) != fmt.Sprint(want) {
		t.Errorf("after sent %q, want %q", api.afters, want)
	}
}

// TestNewcomerGitHubGraphQLHostile: errors beside data, a hasNextPage true
// without a cursor and a cursor served twice each fail the run naming what
// they saw, leaving no rows.
func TestNewcomerGitHubGraphQLHostile(t *testing.T) {
	for _, c := range []struct {
		mode  string
		parts []string
	}{
		{"partial", []string{`resource "issues"`, "page 2", "errors", "response_actions"}},
		{"nullcursor", []string{`resource "issues"`, "page 2", "hasNextPage"}},
		{"samecursor", []string{`resource "issues"`, "page 2", "seen before", `cursor_body_path "variables.after"`}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newNewcomerGitHubGraphQL(c.mode)
			r, srvURL := curServe(t, api, "newcomer_github_graphql", "", newcomerGitHubEnv())
			r.failedClean(t, srvURL, nil, newcomerGitHubToken, []string{"issues"}, c.parts...)
			t.Log(r.err)
		})
	}
}

// TestNewcomerGitHubGraphQLRateLimited: GitHub answers a primary rate
// limit on GraphQL with a 200, x-ratelimit-remaining 0 and an error of
// type RATE_LIMITED. Without a rule the run fails naming the error and the
// response_actions rule; with {content: RATE_LIMITED, action: retry} it
// waits and asks again.
func TestNewcomerGitHubGraphQLRateLimited(t *testing.T) {
	t.Run("norule", func(t *testing.T) {
		api := newNewcomerGitHubGraphQL("ratelimited")
		r, srvURL := curServe(t, api, "newcomer_github_graphql", "", newcomerGitHubEnv())
		r.failedClean(t, srvURL, nil, newcomerGitHubToken, []string{"issues"}, `resource "issues"`, "page 2", "RATE_LIMITED", "response_actions")
		t.Log(r.err)
	})
	t.Run("retry", func(t *testing.T) {
		api := newNewcomerGitHubGraphQL("ratelimited")
		text := curEdited(t, "newcomer_github_graphql", "      method: POST\n", "      method: POST\n      response_actions: [{content: RATE_LIMITED, action: retry}]\n")
		var s curSleeps
		r, _ := curServe(t, api, "newcomer_github_graphql", text, newcomerGitHubEnv(), s.tune)
		t.Logf("err %v waits %v requests %d", r.err, s.all(), api.requests)
		r.mustLoad(t)
		r.checkTable(t, newcomerGitHubQuery, api.want())
	})
}

// TestNewcomerGitHubGraphQLRateLimitReset: GitHub's docs say not to retry
// a primary rate limit (a 200 or 403 with x-ratelimit-remaining 0) before
// x-ratelimit-reset. With the retry rule the README's error proposes
// ({content: RATE_LIMITED, action: retry}), pipe retries the 200 after
// its backoff (under a second) instead of waiting for the reset two
// minutes ahead, spending its attempts within seconds: an hour's limit
// fails the run after max_attempts.
func TestNewcomerGitHubGraphQLRateLimitReset(t *testing.T) {
	api := newNewcomerGitHubGraphQL("ratelimited")
	api.resetAt = time.Now().Add(2 * time.Minute).Unix()
	text := curEdited(t, "newcomer_github_graphql", "      method: POST\n", "      method: POST\n      response_actions: [{content: RATE_LIMITED, action: retry}]\n")
	var s curSleeps
	r, _ := curServe(t, api, "newcomer_github_graphql", text, newcomerGitHubEnv(), s.tune)
	r.mustLoad(t)
	r.checkTable(t, newcomerGitHubQuery, api.want())
	waits := s.all()
	if len(waits) != 1 || waits[0] < 110*time.Second || waits[0] > 130*time.Second {
		t.Errorf("waits %v, want one of about 2m (x-ratelimit-reset)", waits)
	}
}
