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

// googleProjects serves GET /v3/projects of Cloud Resource Manager as
// Google documents it (https://cloud.google.com/resource-manager/reference/rest/v3/projects/list
// and the API design guide's list pagination,
// https://cloud.google.com/apis/design/design_patterns#list_pagination):
// an OAuth access token as Bearer; parent, pageSize and pageToken; the
// answer {"projects": [...], "nextPageToken": "..."} with nextPageToken
// left out on the last page; a pageSize the server lowers (this fake
// serves at most 2, whatever is asked); an opaque token, an unknown one a
// 400 INVALID_ARGUMENT; errors as {"error": {"code", "message",
// "status"}}. Google's JSON leaves out a field that holds its default
// value, an empty list included (proto3 JSON mapping,
// https://protobuf.dev/programming-guides/proto3/#json), so a page with no
// projects is {"nextPageToken": "..."} and an empty list {}.
//
// mode makes the walk hostile: "repeat" (page 2 hands out page 1's token
// again), "object" (page 2's token is an object), "number" (every token a
// JSON number), "emptylast" (the last page has "nextPageToken": ""),
// "emptypages" (a token on pages with no projects before the rest, as the
// docs allow), "error200" (page 2 is an error body with 200), "truncated"
// (page 2 cut short, its Content-Length true to the cut), "dup" (the last
// project of page 1 again first on page 2, as a list read while projects
// change may serve it).
type googleProjects struct {
	total    int
	mode     string
	requests atomic.Int32
}

const (
	googleToken  = "ya29.a0AfB_byC-googleAccessToken-0123456789"
	googlePrefix = "CgwIgL6Xqg0Q" // an opaque-looking token prefix
)

func googleProject(n int) string {
	return fmt.Sprintf(`{"name":"projects/%d","parent":"folders/123456789012","projectId":"acme-proj-%d","state":"ACTIVE","displayName":"Acme %d","createTime":"2024-03-%02dT10:00:00.%03dZ","updateTime":"2024-04-%02dT11:30:00Z","etag":"W/\"%x\"","labels":{"env":"%s"}}`,
		415104041260+n, n, n, n, n, n, 1000+n, map[bool]string{true: "prod", false: "dev"}[n%2 == 0])
}

func (g *googleProjects) token(start int) string {
	if g.mode == "number" {
		return strconv.Itoa(start)
	}
	return strconv.Quote(googlePrefix + strconv.Itoa(start))
}

func (g *googleProjects) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.requests.Add(1)
	if !curBearer(r, googleToken) {
		curWrite(w, http.StatusUnauthorized, `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`)
		return
	}
	q := r.URL.Query()
	if r.URL.Path != "/v3/projects" || q.Get("parent") != "folders/123456789012" {
		curWrite(w, http.StatusBadRequest, `{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}`)
		return
	}
	start := 0
	if tok := q.Get("pageToken"); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, googlePrefix))
		if err != nil || (g.mode != "number" && !strings.HasPrefix(tok, googlePrefix)) {
			curWrite(w, http.StatusBadRequest, `{"error":{"code":400,"message":"Invalid page token.","status":"INVALID_ARGUMENT"}}`)
			return
		}
		start = n
	}
	page := 1 + start/2
	if g.mode == "emptypages" && start < 4 {
		// Two pages with no projects, each with a token, then the list.
		curWrite(w, http.StatusOK, `{"nextPageToken":`+g.token(start+2)+`}`)
		return
	}
	if g.mode == "emptypages" {
		start -= 4
		page = 1 + start/2
	}
	if page == 2 {
		switch g.mode {
		case "error200":
			curWrite(w, http.StatusOK, `{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}`)
			return
		case "truncated":
			curWrite(w, http.StatusOK, `{"projects":[`+googleProject(3)[:40])
			return
		}
	}
	size, _ := strconv.Atoi(q.Get("pageSize"))
	size = min(max(size, 1), 2)
	from := start
	if g.mode == "dup" && start > 0 {
		from = start - 1 // the last project of the previous page, again
	}
	end := min(start+size, g.total)
	var items []string
	for n := from; n < end; n++ {
		items = append(items, googleProject(n+1))
	}
	body := `{"projects":[` + strings.Join(items, ",") + `]`
	next := end
	if g.mode == "emptypages" {
		next += 4
	}
	switch {
	case page == 2 && g.mode == "repeat":
		body += `,"nextPageToken":` + g.token(2)
	case page == 2 && g.mode == "object":
		body += `,"nextPageToken":{"offset":4}`
	case end < g.total:
		body += `,"nextPageToken":` + g.token(next)
	case g.mode == "emptylast":
		body += `,"nextPageToken":""`
	}
	curWrite(w, http.StatusOK, body+"}")
}

func googleRun(t *testing.T, api *googleProjects, text string) (curRun, string) {
	t.Helper()
	return curServe(t, api, "google_projects", text, map[string]string{"GOOGLE_ACCESS_TOKEN": googleToken})
}

// googleWant is the projects table of a load of total projects.
func googleWant(total int) []string {
	var want []string
	for n := 1; n <= total; n++ {
		want = append(want, fmt.Sprintf("projects/%d|acme-proj-%d|ACTIVE|Acme %d|2024-03-%02dT10:00:00.%03dZ|%s",
			415104041260+n, n, n, n, n, map[bool]string{true: "prod", false: "dev"}[n%2 == 0]))
	}
	return want
}

// TestGoogleProjectsLoadsExactly: every project under the folder, through
// opaque page tokens, a pageSize the server lowers to 2, and the variants
// the docs call normal: pages with no projects that still carry a token,
// an empty nextPageToken on the last page, a project served twice while
// the list changed, tokens that are JSON numbers.
func TestGoogleProjectsLoadsExactly(t *testing.T) {
	for _, c := range []struct {
		mode     string
		requests int32
	}{{"", 4}, {"emptylast", 4}, {"emptypages", 6}, {"dup", 4}, {"number", 4}} {
		t.Run("mode="+c.mode, func(t *testing.T) {
			api := &googleProjects{total: 7, mode: c.mode}
			r, _ := googleRun(t, api, "")
			r.mustLoad(t)
			r.checkTable(t, `SELECT name, project_id, state, display_name, strftime('%Y-%m-%dT%H:%M:%fZ', create_time), labels__env FROM projects ORDER BY name`, googleWant(7))
			r.checkTable(t, `SELECT DISTINCT typeof(name), typeof(create_time), typeof(labels__env) FROM projects`, []string{"text|text|text"})
			r.checkTable(t, `SELECT type FROM pragma_table_info('projects') WHERE name = 'create_time'`, []string{"TIMESTAMP"})
			if n := api.requests.Load(); n != c.requests {
				t.Errorf("%d requests, want %d", n, c.requests)
			}
			r.noSecret(t, googleToken)
		})
	}
}

// TestGoogleEmptyPageStrictByDefault: without empty_list_omitted, the
// page with no projects fails the run as a wrong data_selector would,
// naming the setting (Airtable, which always sends "records", must not
// take such a page for an empty one: TestAirtableHostilePages).
func TestGoogleEmptyPageStrictByDefault(t *testing.T) {
	text := strings.Replace(curTestdata(t, "google_projects"), "      empty_list_omitted: true   # Google's JSON leaves an empty list out\n", "", 1)
	r, url := googleRun(t, &googleProjects{total: 7, mode: "emptypages"}, text)
	r.failedClean(t, url, nil, googleToken, []string{"projects"}, `data_selector "projects" not found in the response`, "set endpoint.empty_list_omitted")
}

// TestGoogleProjectsHostile: a token handed out twice, a token that is an
// object, an error body on a 200 and a body cut short each fail the run,
// naming the resource and the URL with the token hidden, and leave no
// project loaded; so does a cursor_param the API does not read (it serves
// page 1 again, with the same token).
func TestGoogleProjectsHostile(t *testing.T) {
	page2 := `GET http://api.test/v3/projects?pageSize=50&pageToken=***&parent=folders%2F123456789012`
	for _, c := range []struct {
		mode     string
		text     func(string) string
		sentinel error
		parts    []string
	}{
		{mode: "repeat", sentinel: rest.ErrLoop, parts: []string{`resource "projects": page 2: ` + page2, `cursor: cursor "` + googlePrefix + `2" seen before`, `cursor_param "pageToken"`}},
		{mode: "object", parts: []string{`resource "projects": page 2: ` + page2, `cursor_path "nextPageToken" is object {"offset":4}, want a string or a number`}},
		{mode: "error200", parts: []string{`resource "projects": page 2: ` + page2, `data_selector "projects" not found in the response (it holds keys "error")`, `"code":503`, `{condition: "error", action: fail}`}},
		{mode: "truncated", parts: []string{`resource "projects": page 2: ` + page2, "response body is not JSON (status 200"}},
		{mode: "ignored cursor_param", text: func(s string) string {
			return strings.Replace(s, "cursor_param: pageToken", "cursor_param: page_tok", 1)
		}, sentinel: rest.ErrLoop, parts: []string{`resource "projects": page 2: GET http://api.test/v3/projects?pageSize=50&page_tok=` + googlePrefix + `2&parent=`, "response identical to page 1: pagination loop"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			text := ""
			if c.text != nil {
				text = c.text(curTestdata(t, "google_projects"))
			}
			r, url := googleRun(t, &googleProjects{total: 7, mode: c.mode}, text)
			r.failedClean(t, url, c.sentinel, googleToken, []string{"projects"}, c.parts...)
		})
	}
}

// TestGoogleIgnoredPageMidWalk: a response_actions ignore rule that matches
// page 2 (an error body on a 200, ignored as the hint of the data_selector
// error suggests) must not end the walk as if page 1 were all: page 1's
// nextPageToken promised more.
func TestGoogleIgnoredPageMidWalk(t *testing.T) {
	text := strings.Replace(curTestdata(t, "google_projects"), "      data_selector: projects\n", "      data_selector: projects\n      response_actions: [{content: UNAVAILABLE, action: ignore}]\n", 1)
	r, url := googleRun(t, &googleProjects{total: 7, mode: "error200"}, text)
	r.failedClean(t, url, nil, googleToken, []string{"projects"}, `resource "projects": page 2: GET http://api.test/v3/projects?`, "response_actions")
}
