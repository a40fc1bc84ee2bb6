package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const (
	confluenceEmail = "ada@example.com"
	confluenceToken = "ATATT3xFfGF0c0nflu3nc3T0k3nQ9zW7yX"
)

func confluenceEnv() map[string]string {
	return map[string]string{"CONFLUENCE_EMAIL": confluenceEmail, "CONFLUENCE_API_TOKEN": confluenceToken}
}

// confluenceAPI serves GET /wiki/api/v2/spaces and
// /wiki/api/v2/spaces/{id}/pages as Atlassian documents them
// (https://developer.atlassian.com/cloud/confluence/rest/v2/intro,
// https://developer.atlassian.com/cloud/confluence/rest/v2/api-group-space/,
// https://developer.atlassian.com/cloud/confluence/rest/v2/api-group-page/,
// https://developer.atlassian.com/cloud/confluence/rate-limiting/): basic
// auth with email and API token (401 {"code": 401, "message":
// "Unauthorized; scope does not match"} otherwise); limit (25, at most
// 250) and an opaque cursor; {"results": [...], "_links": {"next",
// "base"}}, next a URL relative to the site (/wiki/api/v2/...?cursor=)
// carrying every parameter of the request, the same URL in a Link header
// `<...>; rel="next"`, neither on the last page; 429 with Retry-After
// (seconds).
//
// mode: "limit" (the first pages request is 429 with Retry-After 7),
// "elsewhere" (the spaces' next is an absolute URL on another host),
// "headeronly" (the second page of space 98303's pages keeps the Link
// header but drops _links.next), "repeat" (the second page of space
// 98303's pages links a cursor for the first page again).
type confluenceAPI struct {
	mode     string
	other    string
	mu       sync.Mutex
	requests int
	limited  bool
	spaces   []map[string]any
	pages    map[string][]map[string]any
}

func newConfluenceAPI(mode string) *confluenceAPI {
	a := &confluenceAPI{mode: mode, pages: map[string][]map[string]any{}}
	for s := 1; s <= 3; s++ {
		sid := fmt.Sprintf("%d", 98300+s)
		a.spaces = append(a.spaces, map[string]any{
			"id": sid, "key": fmt.Sprintf("SP%d", s), "name": fmt.Sprintf("Space %d", s), "type": "global", "status": "current",
			"authorId": "5b10ac8d82e05b22cc7d4ef5", "createdAt": "2024-01-0" + fmt.Sprint(s) + "T09:00:00.000Z", "homepageId": fmt.Sprint(200000 + s*10),
			"description": nil, "icon": nil, "_links": map[string]any{"webui": fmt.Sprintf("/spaces/SP%d", s)},
		})
		for p := 1; p <= 2*s-1; p++ {
			pid := fmt.Sprint(200000 + s*10 + p)
			a.pages[sid] = append(a.pages[sid], map[string]any{
				"id": pid, "status": "current", "title": fmt.Sprintf("Page %d of SP%d", p, s), "spaceId": sid,
				"parentId": fmt.Sprint(200000 + s*10), "parentType": "page", "position": p * 100, "authorId": "5b10ac8d82e05b22cc7d4ef5",
				"ownerId": "5b10ac8d82e05b22cc7d4ef5", "createdAt": fmt.Sprintf("2024-02-%02dT10:00:00.000Z", p),
				"version": map[string]any{"number": p + 1, "message": "", "minorEdit": false, "authorId": "5b10ac8d82e05b22cc7d4ef5", "createdAt": "2024-03-01T10:00:00.000Z"},
				"body":    map[string]any{"storage": map[string]any{"representation": "storage", "value": fmt.Sprintf("<p>Hello %d</p>", p)}},
				"_links":  map[string]any{"webui": fmt.Sprintf("/spaces/SP%d/pages/%s", s, pid), "editui": "/pages/resumedraft.action?draftId=" + pid, "tinyui": "/x/AbC" + pid},
			})
		}
	}
	return a
}

func (a *confluenceAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(confluenceEmail+":"+confluenceToken)) {
		curWrite(w, 401, `{"code": 401, "message": "Unauthorized; scope does not match"}`)
		return
	}
	q := r.URL.Query()
	var list []map[string]any
	path := r.URL.Path
	switch {
	case path == "/wiki/api/v2/spaces":
		list = a.spaces
	case strings.HasPrefix(path, "/wiki/api/v2/spaces/") && strings.HasSuffix(path, "/pages"):
		if a.mode == "limit" && !a.limited {
			a.limited = true
			w.Header().Set("Retry-After", "7")
			w.Header().Set("X-RateLimit-Limit", "100")
			w.Header().Set("X-RateLimit-Remaining", "0")
			curWrite(w, 429, `{"code": 429, "message": "Rate limit exceeded"}`)
			return
		}
		if q.Get("body-format") != "storage" {
			curWrite(w, 400, `{"errors": [{"status": 400, "code": "INVALID_REQUEST_PARAMETER", "title": "Provided value {bad} for 'body-format' is not the correct type."}]}`)
			return
		}
		list = a.pages[strings.TrimSuffix(strings.TrimPrefix(path, "/wiki/api/v2/spaces/"), "/pages")]
		if list == nil {
			curWrite(w, 404, `{"errors": [{"status": 404, "code": "NOT_FOUND", "title": "Not Found"}]}`)
			return
		}
	default:
		curWrite(w, 404, `{"errors": [{"status": 404, "code": "NOT_FOUND", "title": "Not Found"}]}`)
		return
	}
	at := 0
	if c := q.Get("cursor"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || !strings.HasPrefix(string(raw), "next:") {
			curWrite(w, 400, `{"errors": [{"status": 400, "code": "INVALID_REQUEST_PARAMETER", "title": "Invalid cursor"}]}`)
			return
		}
		fmt.Sscanf(strings.TrimPrefix(string(raw), "next:"), "%d", &at)
	}
	limit := min(curQueryInt(q, "limit", 25), 250)
	from := min(at, len(list))
	to := min(from+limit, len(list))
	links := map[string]any{"base": "http://" + r.Host + "/wiki"}
	if to < len(list) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		cur := to
		if a.mode == "repeat" && path == "/wiki/api/v2/spaces/98303/pages" && at > 0 {
			cur = 0
		}
		nq.Set("cursor", base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("next:%d", cur))))
		next := path + "?" + nq.Encode()
		w.Header().Set("Link", "<"+next+`>; rel="next", <http://`+r.Host+`/wiki>; rel="base"`)
		if a.mode == "elsewhere" && path == "/wiki/api/v2/spaces" {
			next = a.other + next
			w.Header().Set("Link", "<"+next+`>; rel="next"`)
		}
		if !(a.mode == "headeronly" && path == "/wiki/api/v2/spaces/98303/pages" && at > 0) {
			links["next"] = next
		}
	}
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	curWrite(w, 200, curJSON(map[string]any{"results": items, "_links": links}))
}

const (
	confluenceSpaceQuery = `SELECT id, key, name, type, status, homepage_id, _links__webui FROM spaces ORDER BY id`
	confluencePageQuery  = `SELECT _spaces_id, id, title, space_id, parent_id, position, version__number, body__storage__value, _links__tinyui FROM pages ORDER BY id`
)

func (a *confluenceAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var spaces, pages []string
	for _, s := range a.spaces {
		spaces = append(spaces, fmt.Sprintf("%v|%v|%v|global|current|%v|%v", s["id"], s["key"], s["name"], s["homepageId"], s["_links"].(map[string]any)["webui"]))
		for _, p := range a.pages[s["id"].(string)] {
			pages = append(pages, fmt.Sprintf("%v|%v|%v|%v|%v|%v|%v|%v|%v", s["id"], p["id"], p["title"], p["spaceId"], p["parentId"], p["position"],
				p["version"].(map[string]any)["number"], p["body"].(map[string]any)["storage"].(map[string]any)["value"], p["_links"].(map[string]any)["tinyui"]))
		}
	}
	sort.Strings(pages)
	r.checkTable(t, confluenceSpaceQuery, spaces)
	r.checkTable(t, confluencePageQuery, pages)
	r.noSecret(t, confluenceToken)
}

// TestConfluenceSpacesAndPages: three spaces two a page by _links.next
// (a URL relative to the site, under the base URL's /wiki/api/v2 path),
// each space's 1, 3 and 5 pages two a page, the body-format parameter
// kept on every page.
func TestConfluenceSpacesAndPages(t *testing.T) {
	api := newConfluenceAPI("")
	r, _ := curServe(t, api, "confluence", "", confluenceEnv())
	r.mustLoad(t)
	api.check(t, r)
	if api.requests != 2+1+2+3 {
		t.Errorf("%d requests, want 8", api.requests)
	}
}

// TestConfluenceLinkHeaderSpec: the same walk by the Link header
// (header_link), which the docs name first.
func TestConfluenceLinkHeaderSpec(t *testing.T) {
	api := newConfluenceAPI("")
	text := curEdited(t, "confluence", "paginator: {type: json_link, next_url_path: _links.next}", "paginator: header_link")
	r, _ := curServe(t, api, "confluence", text, confluenceEnv())
	r.mustLoad(t)
	api.check(t, r)
}

// TestConfluenceRetryAfter: a 429 with Retry-After 7 is waited out for
// 7 s, then the walk completes.
func TestConfluenceRetryAfter(t *testing.T) {
	api := newConfluenceAPI("limit")
	var sleeps curSleeps
	r, _ := curServe(t, api, "confluence", "", confluenceEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	sleeps.check(t, int32(api.requests), 9, "[7s]")
}

// TestConfluenceHostile: a next link on another host fails naming it,
// the other host getting nothing; a page whose body drops _links.next
// while its Link header still has rel="next" fails rather than end the
// space at 4 of its 5 pages; a cursor sent before fails; each with
// nothing loaded.
func TestConfluenceHostile(t *testing.T) {
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		curWrite(w, 200, `{"results": [], "_links": {}}`)
	}))
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"elsewhere", rest.ErrOutOfScope, []string{`resource "spaces"`, strings.TrimPrefix(other.srv.URL, "http://"), "client.allowed_hosts"}},
		{"headeronly", rest.ErrMorePages, []string{`resource "pages"`, "Link"}},
		{"repeat", nil, []string{`resource "pages"`, "cursor"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newConfluenceAPI(c.mode)
			api.other = other.srv.URL
			r, srvURL := curServe(t, api, "confluence", "", confluenceEnv())
			r.failedClean(t, srvURL, c.sentinel, confluenceToken, []string{"spaces", "pages"}, c.parts...)
			t.Log(r.err)
		})
	}
	if n := other.requests(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}
