package engine_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/state"
)

// ghIssues serves GitHub's "List repository issues"
// (https://docs.github.com/en/rest/issues/issues#list-repository-issues)
// with the paging of "Using pagination in the REST API": since (issues
// updated at or after it, to the second), state=all, sort=updated,
// direction=asc, per_page and page; a Link header with rel="next" and
// rel="last" (and "first", "prev" past page 1), numbered pages, so that a
// page is a position in the list as it is when the page is asked. A since
// that is no ISO 8601 time is a 422, as GitHub answers.
type ghIssues struct {
	mu     sync.Mutex
	issues map[int]ghIssue // by number
	// onPage, when set, runs (mu held) before page n of a walk is
	// answered: an issue updated while the pages are read.
	onPage func(page int)
	since  []string // since of each first page
}

type ghIssue struct {
	id      int64
	number  int
	state   string
	updated time.Time
}

const ghToken = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"

func newGHIssues() *ghIssues { return &ghIssues{issues: map[int]ghIssue{}} }

// put creates or updates issue number, updated at the second s past
// 2024-03-01T10:00:00Z.
func (g *ghIssues) put(number int, st string, s int) {
	g.issues[number] = ghIssue{id: 1296269000 + int64(number), number: number, state: st, updated: time.Date(2024, 3, 1, 10, 0, s, 0, time.UTC)}
}

func (g *ghIssues) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.Header.Get("Authorization") != "Bearer "+ghToken {
		curWrite(w, http.StatusUnauthorized, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`)
		return
	}
	q := r.URL.Query()
	since, err := time.Parse(time.RFC3339, q.Get("since"))
	if err != nil {
		curWrite(w, http.StatusUnprocessableEntity, `{"message":"Validation Failed","errors":[{"resource":"Issue","field":"since","code":"invalid"}],"documentation_url":"https://docs.github.com/rest/issues/issues#list-repository-issues","status":"422"}`)
		return
	}
	if q.Get("sort") != "updated" || q.Get("direction") != "asc" || q.Get("state") != "all" {
		curWrite(w, http.StatusBadRequest, `{"message":"the fake serves sort=updated&direction=asc&state=all only"}`)
		return
	}
	per, _ := strconv.Atoi(q.Get("per_page"))
	page := 1
	if p := q.Get("page"); p != "" {
		page, _ = strconv.Atoi(p)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if page == 1 {
		g.since = append(g.since, q.Get("since"))
	}
	if g.onPage != nil {
		g.onPage(page)
	}
	var list []ghIssue
	for _, is := range g.issues {
		if !is.updated.Before(since) {
			list = append(list, is)
		}
	}
	slices.SortFunc(list, func(a, b ghIssue) int {
		if c := a.updated.Compare(b.updated); c != 0 {
			return c
		}
		return a.number - b.number
	})
	last := max(1, (len(list)+per-1)/per)
	var recs []string
	for _, is := range list[min(len(list), (page-1)*per):min(len(list), page*per)] {
		recs = append(recs, fmt.Sprintf(`{"url":"https://api.github.com/repos/octo-org/hello-world/issues/%d","id":%d,"node_id":"MDU6SXNzdWUx","number":%d,"title":"Found a bug","user":{"login":"octocat","id":1},"labels":[{"id":208045946,"name":"bug"}],"state":%q,"locked":false,"comments":0,"created_at":"2011-04-22T13:33:48Z","updated_at":%q,"closed_at":null,"author_association":"COLLABORATOR"}`,
			is.number, is.id, is.number, is.state, is.updated.Format(time.RFC3339)))
	}
	link := func(p int, rel string) string {
		v := r.URL.Query()
		v.Set("page", strconv.Itoa(p))
		return fmt.Sprintf(`<http://%s%s?%s>; rel=%q`, r.Host, r.URL.Path, v.Encode(), rel)
	}
	var links []string
	if page > 1 {
		links = append(links, link(page-1, "prev"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	fmt.Fprint(w, "["+strings.Join(recs, ",")+"]")
}

// rows returns the fake's issues as ghIssuesQuery reads them.
func (g *ghIssues) rows() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, is := range g.issues {
		out = append(out, fmt.Sprintf("%d|%d|%s|%s|bug", is.id, is.number, is.state, is.updated.Format("2006-01-02T15:04:05.000000000Z")))
	}
	slices.Sort(out)
	return out
}

const ghIssuesQuery = `SELECT i.id, i.number, i.state, CAST(i.updated_at AS TEXT), group_concat(l.name) FROM issues i LEFT JOIN issues__labels l ON l._pipe_parent_id = i._pipe_id GROUP BY i._pipe_id ORDER BY i.id`

func ghRun(t *testing.T, g *ghIssues, srvURL, db string) curRun {
	t.Helper()
	r := curRunText(t, "github_issues", "", srvURL, db, map[string]string{"GITHUB_TOKEN": ghToken})
	r.noSecret(t, ghToken)
	return r
}

// TestGitHubIssuesAtSince: three runs. Each later run sends since as the
// largest updated_at loaded; GitHub returns the issues of that second
// again (one of them unchanged, one updated within the same second, one
// new in it), and the table holds each issue once, as GitHub has it.
func TestGitHubIssuesAtSince(t *testing.T) {
	g := newGHIssues()
	g.put(1, "open", 0)
	g.put(2, "open", 5)
	g.put(3, "open", 5)
	g.put(4, "closed", 9)
	g.put(5, "open", 9)
	srv := newVendorOrigin(t, g)
	db := t.TempDir() + "/github.db"
	r := ghRun(t, g, srv.srv.URL, db)
	r.mustLoad(t)
	r.checkTable(t, ghIssuesQuery, g.rows())

	g.mu.Lock()
	g.put(5, "closed", 9) // changed within the cursor's second
	g.put(6, "open", 9)   // new in that second
	g.put(1, "closed", 12)
	g.mu.Unlock()
	r = ghRun(t, g, srv.srv.URL, db)
	r.mustLoad(t)
	r.checkTable(t, ghIssuesQuery, g.rows())

	g.mu.Lock()
	g.put(7, "open", 12)
	g.mu.Unlock()
	r = ghRun(t, g, srv.srv.URL, db)
	r.mustLoad(t)
	r.checkTable(t, ghIssuesQuery, g.rows())
	if want := []string{"2011-01-01T00:00:00Z", "2024-03-01T10:00:09Z", "2024-03-01T10:00:12Z"}; !slices.Equal(g.since, want) {
		t.Errorf("since sent = %q, want %q", g.since, want)
	}
	c := state.ParseCursor(queryStrings(t, openDB(t, db), `SELECT cursor FROM _pipe_state WHERE resource = 'issues'`)[0])
	if c.Value != "2024-03-01T10:00:12Z" || len(c.Boundary) != 2 {
		t.Errorf("cursor = %+v, want 10:00:12 with issues 1 and 7", c)
	}
}

// TestGitHubIssueUpdatedMidWalk: while pipe reads page 2, issue 1 (on
// page 1) is updated and moves to the end of the list; every issue after
// it moves one place up, so page 2 as GitHub now answers it starts with
// what was page 2's second issue, and issue 3 is on no page pipe reads.
// The cursor then passes issue 3's updated_at, so no later run asks for
// it: the run must fail (or load issue 3), never complete without it.
func TestGitHubIssueUpdatedMidWalk(t *testing.T) {
	g := newGHIssues()
	for n := 1; n <= 6; n++ {
		g.put(n, "open", n)
	}
	g.onPage = func(page int) {
		if page == 2 {
			g.put(1, "closed", 30)
			g.onPage = nil
		}
	}
	srv := newVendorOrigin(t, g)
	r := ghRun(t, g, srv.srv.URL, t.TempDir()+"/github.db")
	if r.err == nil {
		r.checkTable(t, ghIssuesQuery, g.rows())
		return
	}
	r.mustFail(t, srv.srv.URL, `resource "issues"`, "http://api.test/repos/octo-org/hello-world/issues?", "the record id=1296269001 came twice in this walk", "the collection changed while it was paged")
	if rows := queryStrings(t, openDB(t, r.db), `SELECT count(*) FROM _pipe_state WHERE resource = 'issues'`); rows[0] != "0" {
		t.Errorf("the failed run saved a cursor")
	}
}

// TestGitHubIssuesLagCoversClockSkew: an issue updated after the first
// run with an updated_at before that run's cursor (a clock behind the
// others) is not after since, so a run without lag cannot see it; with
// lag: 5s the second run asks from 5 seconds before the cursor, written
// as GitHub wants it (to the second, Z), gets it back with the issues
// in those seconds, and merges each once.
func TestGitHubIssuesLagCoversClockSkew(t *testing.T) {
	g := newGHIssues()
	for n := 1; n <= 5; n++ {
		g.put(n, "open", 2*n) // 10:00:02 … 10:00:10
	}
	text := strings.Replace(curTestdata(t, "github_issues"), `initial_value: "2011-01-01T00:00:00Z"}`, `initial_value: "2011-01-01T00:00:00Z", lag: 5s}`, 1)
	srv := newVendorOrigin(t, g)
	db := t.TempDir() + "/github.db"
	run := func() {
		t.Helper()
		r := curRunText(t, "github_issues", text, srv.srv.URL, db, map[string]string{"GITHUB_TOKEN": ghToken})
		r.mustLoad(t)
		r.checkTable(t, ghIssuesQuery, g.rows())
	}
	run()
	g.mu.Lock()
	g.put(2, "closed", 7) // behind the cursor (10:00:10)
	g.mu.Unlock()
	run()
	if want := []string{"2011-01-01T00:00:00Z", "2024-03-01T10:00:05Z"}; !slices.Equal(g.since, want) {
		t.Errorf("since sent = %q, want %q", g.since, want)
	}
}
