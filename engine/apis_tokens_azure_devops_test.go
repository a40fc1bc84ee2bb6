package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

// azureBuilds serves GET /{organization}/{project}/_apis/build/builds as
// Azure DevOps documents it
// (https://learn.microsoft.com/en-us/rest/api/azure/devops/build/builds/list?view=azure-devops-rest-7.1,
// https://learn.microsoft.com/en-us/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate):
// a personal access token as the basic auth password (any user name);
// api-version required (400 otherwise); $top, which the server may lower
// (this fake serves at most 2); {"count": <records on this page>,
// "value": [...]}; while more builds follow, an x-ms-continuationtoken
// response header that the next request sends as continuationToken. The
// token is opaque (this fake's holds "+", "/" and "=", which must reach
// the server unchanged); timestamps have seven fraction digits.
//
// mode makes the walk hostile: "repeat" (page 2 hands out page 1's token
// again), "emptypage" (page 2 holds no builds but a token, as the docs
// let any page be shorter than $top), "emptylast" (the token on the last
// page leads to a page with no builds and no token), "truncated" (page 2
// cut short), "nobody" (page 2 is a 200 with no body at all, and a
// token), "nocontent" (page 2 is a 204 with a token).
type azureBuilds struct {
	total    int
	mode     string
	requests atomic.Int32
}

const azurePAT = "3x7pq2azdevopspersonalaccesstokenabcdefghijklmnop"

// azureCont is the opaque continuation token of the page starting at n.
func azureCont(n int) string { return fmt.Sprintf("+Mj/AyNC=%d", n) }

func azureBuild(n int) string {
	return fmt.Sprintf(`{"id":%d,"buildNumber":"20240301.%d","status":"completed","result":"%s","queueTime":"2024-03-01T10:%02d:00.1234567Z","definition":{"id":7,"name":"Fabrikam-CI"},"sourceBranch":"refs/heads/main","requestedFor":{"displayName":"Jamal Hartnett","uniqueName":"fabrikamfiber4@hotmail.com"}}`,
		1000+n, n, map[bool]string{true: "failed", false: "succeeded"}[n%4 == 0], n)
}

func (a *azureBuilds) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.requests.Add(1)
	if _, p, ok := r.BasicAuth(); !ok || p != azurePAT {
		w.WriteHeader(http.StatusUnauthorized) // Azure DevOps answers a bad PAT with an HTML sign-in page or an empty 401
		return
	}
	q := r.URL.Query()
	if r.URL.Path != "/fabrikam/Fabrikam-Fiber/_apis/build/builds" || q.Get("api-version") != "7.1" {
		curWrite(w, http.StatusBadRequest, `{"$id":"1","innerException":null,"message":"The resource cannot be found.","typeName":"Microsoft.TeamFoundation.Build.WebApi.BuildRequestValidationFailedException","typeKey":"BuildRequestValidationFailedException","errorCode":0,"eventId":3000}`)
		return
	}
	start := 0
	if tok := q.Get("continuationToken"); tok != "" {
		var n int
		if _, err := fmt.Sscanf(tok, "+Mj/AyNC=%d", &n); err != nil || azureCont(n) != tok {
			curWrite(w, http.StatusBadRequest, `{"$id":"1","message":"The continuation token is invalid.","typeKey":"InvalidContinuationTokenException","errorCode":0}`)
			return
		}
		start = n
	}
	size := 2
	if n, err := fmt.Sscan(q.Get("$top"), &size); n != 1 || err != nil {
		size = 1000
	}
	size = min(size, 2)
	page := 1 + start/2
	end := min(start+size, a.total)
	next := end
	switch {
	case a.mode == "emptypage" && page == 2 && start%2 == 0:
		end, next = start, start+1 // no builds, and a token one past
	case (a.mode == "emptypage" || a.mode == "nobody" || a.mode == "nocontent") && start%2 == 1:
		start--
		end = min(start+size, a.total)
		next = end
	}
	var items []string
	for n := start; n < end; n++ {
		items = append(items, azureBuild(n+1))
	}
	if (a.mode == "nobody" || a.mode == "nocontent") && q.Get("continuationToken") == azureCont(2) {
		// No body at all, the token one past: an empty 200, or a 204.
		w.Header().Set("x-ms-continuationtoken", azureCont(3))
		if a.mode == "nocontent" {
			w.WriteHeader(http.StatusNoContent)
		}
		return
	}
	switch {
	case page == 2 && a.mode == "repeat":
		w.Header().Set("x-ms-continuationtoken", azureCont(2))
	case page == 2 && a.mode == "truncated":
		curWrite(w, http.StatusOK, `{"count":2,"value":[`+azureBuild(3)[:50])
		return
	case next < a.total || (a.mode == "emptylast" && start < a.total):
		w.Header().Set("x-ms-continuationtoken", azureCont(next))
	}
	curWrite(w, http.StatusOK, fmt.Sprintf(`{"count":%d,"value":[%s]}`, len(items), strings.Join(items, ",")))
}

func azureRun(t *testing.T, api *azureBuilds, text string) (curRun, string) {
	t.Helper()
	return curServe(t, api, "azure_devops", text, map[string]string{"AZURE_DEVOPS_PAT": azurePAT})
}

// TestAzureDevOpsBuildsLoadsExactly: every build, through the
// x-ms-continuationtoken header sent back byte for byte as
// continuationToken, a page with no builds that still carries a token,
// and a last token that leads to an empty page without one; queue times
// keep their seven fraction digits (stored fixed-width, to nanoseconds).
func TestAzureDevOpsBuildsLoadsExactly(t *testing.T) {
	for _, c := range []struct {
		mode     string
		requests int32
	}{{"", 4}, {"emptypage", 5}, {"emptylast", 5}, {"nocontent", 5}} {
		t.Run("mode="+c.mode, func(t *testing.T) {
			api := &azureBuilds{total: 7, mode: c.mode}
			r, _ := azureRun(t, api, "")
			r.mustLoad(t)
			var want []string
			for n := 1; n <= 7; n++ {
				want = append(want, fmt.Sprintf("%d|20240301.%d|%s|2024-03-01T10:%02d:00.123456700Z|7|Fabrikam-CI|fabrikamfiber4@hotmail.com",
					1000+n, n, map[bool]string{true: "failed", false: "succeeded"}[n%4 == 0], n))
			}
			r.checkTable(t, `SELECT id, build_number, result, CAST(queue_time AS TEXT), definition__id, definition__name, requested_for__unique_name FROM builds ORDER BY id`, want)
			r.checkTable(t, `SELECT DISTINCT typeof(id), typeof(definition__id) FROM builds`, []string{"integer|integer"})
			if n := api.requests.Load(); n != c.requests {
				t.Errorf("%d requests, want %d", n, c.requests)
			}
			r.noSecret(t, azurePAT)
			r.noSecret(t, base64.StdEncoding.EncodeToString([]byte("pat:"+azurePAT)))
		})
	}
}

// TestAzureDevOpsBuildsHostile: a token handed out twice fails naming the
// header and cursor_param; a cursor_param the API does not read (it
// serves page 1 again), a cut body, an empty 200 and a cursor paginator
// that looks for the token in the body (where Data Factory puts it) while
// the header holds it fail too, with nothing loaded.
func TestAzureDevOpsBuildsHostile(t *testing.T) {
	page2 := `resource "builds": page 2: GET http://api.test/fabrikam/Fabrikam-Fiber/_apis/build/builds?%24top=100&api-version=7.1&continuationToken=***`
	for _, c := range []struct {
		mode, param string
		sentinel    error
		parts       []string
	}{
		{mode: "repeat", sentinel: rest.ErrLoop, parts: []string{page2, `header_cursor: cursor "+Mj/AyNC=2" seen before`, `header "x-ms-continuationtoken"`, `cursor_param "continuationToken"`}},
		{mode: "truncated", parts: []string{page2, "response body is not JSON"}},
		{mode: "nobody", parts: []string{page2, `response body is empty (status 200, Content-Type ""; a response_action can ignore it)`}},
		{mode: "", param: "body cursor", sentinel: rest.ErrMorePages, parts: []string{`resource "builds": page 1: GET http://api.test/fabrikam/Fabrikam-Fiber/_apis/build/builds?%24top=100&api-version=7.1`,
			`cursor: no cursor at cursor_path "continuationToken", but header x-ms-continuationtoken still holds "+Mj/AyNC=2"`, `set header_cursor with cursor_key "x-ms-continuationtoken" and cursor_param "continuationToken"`}},
		{mode: "", param: "continuation_token", sentinel: rest.ErrLoop, parts: []string{`resource "builds": page 2: GET http://api.test/fabrikam/Fabrikam-Fiber/_apis/build/builds?%24top=100&api-version=7.1&continuation_token=***`, "pagination loop"}},
	} {
		t.Run(c.mode+c.param, func(t *testing.T) {
			text := ""
			switch c.param {
			case "":
			case "body cursor":
				// The token read from the body, as Data Factory sends it.
				text = strings.Replace(curTestdata(t, "azure_devops"), "{type: header_cursor, cursor_key: x-ms-continuationtoken,", "{type: cursor, cursor_path: continuationToken,", 1)
			default:
				text = strings.Replace(curTestdata(t, "azure_devops"), "cursor_param: continuationToken", "cursor_param: "+c.param, 1)
			}
			r, url := azureRun(t, &azureBuilds{total: 7, mode: c.mode}, text)
			r.failedClean(t, url, c.sentinel, azurePAT, []string{"builds"}, c.parts...)
		})
	}
}

// TestAzureDevOpsBuildsNoPaginator: a spec without a paginator, as a
// newcomer writes one before reading the paging docs, must not exit 0
// with the first page while the x-ms-continuationtoken header says more
// builds follow: detect header_cursor, or fail naming the header.
func TestAzureDevOpsBuildsNoPaginator(t *testing.T) {
	text := strings.Replace(curTestdata(t, "azure_devops"), "  paginator: {type: header_cursor, cursor_key: x-ms-continuationtoken, cursor_param: continuationToken}\n", "", 1)
	api := &azureBuilds{total: 7}
	r, url := azureRun(t, api, text)
	if r.err == nil {
		r.checkTable(t, `SELECT count(*) FROM builds`, []string{"7"})
		return
	}
	r.failedClean(t, url, rest.ErrMorePages, azurePAT, []string{"builds"}, `resource "builds": page 1:`, "x-ms-continuationtoken", "header_cursor")
}
