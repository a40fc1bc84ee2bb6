package engine_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

// A WordPress application password: 24 characters in groups of four.
const wordpressPassword = "abcd EFGH 1234 ijkl MNOP 6789"

func wordpressEnv() map[string]string {
	return map[string]string{"WORDPRESS_APP_PASSWORD": wordpressPassword}
}

// wordpressAPI serves GET /wp-json/wp/v2/posts as WordPress documents it
// (https://developer.wordpress.org/rest-api/using-the-rest-api/pagination/,
// https://developer.wordpress.org/rest-api/reference/posts/,
// https://developer.wordpress.org/rest-api/using-the-rest-api/authentication/):
// application passwords as HTTP basic credentials (a wrong one is 401
// {"code": "incorrect_password", …});
// page (from 1) and per_page (10, at most 100); the body a JSON array of
// posts; X-WP-Total and X-WP-TotalPages headers; a Link header with
// rel="prev" and rel="next" (absolute URLs with every parameter) while
// there are such pages; a page past the last is 400 {"code":
// "rest_post_invalid_page_number", "message": "The page number requested
// is larger than the number of pages available.", "data": {"status":
// 400}}; modified_after (posts modified strictly after it), orderby
// modified, order asc; date_gmt and modified_gmt without a zone.
//
// mode: "elsewhere" (page 1's next link names another host).
type wordpressAPI struct {
	mode     string
	other    string
	mu       sync.Mutex
	requests int
	queries  []url.Values
	posts    []map[string]any
}

func newWordPressAPI(mode string) *wordpressAPI {
	a := &wordpressAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		at := time.Date(2024, 5, i, 10, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05")
		a.posts = append(a.posts, map[string]any{
			"id": 40 + i, "date": at, "date_gmt": at, "modified": at, "modified_gmt": at, "slug": fmt.Sprintf("hello-world-%d", i),
			"status": "publish", "type": "post", "link": fmt.Sprintf("https://example.com/hello-world-%d/", i),
			"title":   map[string]any{"rendered": fmt.Sprintf("Hello &#8220;world&#8221; %d", i)},
			"content": map[string]any{"rendered": "<p>Welcome to WordPress.</p>\n", "protected": false},
			"author":  1, "categories": []int{1, 5 + i%2}, "tags": []int{}, "sticky": false,
		})
	}
	return a
}

func (a *wordpressAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if u, p, ok := r.BasicAuth(); !ok || u != "editor" || p != wordpressPassword {
		curWrite(w, 401, `{"code": "incorrect_password", "message": "The provided password is an invalid application password.", "data": {"status": 401}}`)
		return
	}
	if r.URL.Path != "/wp-json/wp/v2/posts" {
		curWrite(w, 404, `{"code": "rest_no_route", "message": "No route was found matching the URL and request method.", "data": {"status": 404}}`)
		return
	}
	q := r.URL.Query()
	a.queries = append(a.queries, q)
	if a.mode == "grown" && len(a.queries) == 2 {
		// a post published while the walk pages: under date desc (the
		// default order) it would move the others one place on
		at := time.Date(2024, 5, 7, 10, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05")
		a.posts = append(a.posts, map[string]any{"id": 46, "date": at, "date_gmt": at, "modified": at, "modified_gmt": at, "slug": "fresh",
			"status": "publish", "type": "post", "title": map[string]any{"rendered": "Fresh"}, "categories": []int{1}})
	}
	page, per := curQueryInt(q, "page", 1), min(curQueryInt(q, "per_page", 10), 100)
	list := a.posts
	if s := q.Get("modified_after"); s != "" {
		since, err := time.Parse("2006-01-02T15:04:05", s)
		if err != nil {
			curWrite(w, 400, `{"code": "rest_invalid_param", "message": "Invalid parameter(s): modified_after", "data": {"status": 400, "params": {"modified_after": "Invalid date."}}}`)
			return
		}
		list = nil
		for _, p := range a.posts {
			m, _ := time.Parse("2006-01-02T15:04:05", p["modified_gmt"].(string))
			if m.After(since) {
				list = append(list, p)
			}
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i]["modified_gmt"].(string) < list[j]["modified_gmt"].(string) })
	pages := (len(list) + per - 1) / per
	if page > max(pages, 1) {
		curWrite(w, 400, `{"code": "rest_post_invalid_page_number", "message": "The page number requested is larger than the number of pages available.", "data": {"status": 400}}`)
		return
	}
	link := func(p int) string {
		lq := url.Values{}
		for k, v := range q {
			lq[k] = v
		}
		lq.Set("page", strconv.Itoa(p))
		return "http://" + r.Host + r.URL.Path + "?" + lq.Encode()
	}
	var links []string
	if page > 1 {
		links = append(links, fmt.Sprintf(`<%s>; rel="prev"`, link(page-1)))
	}
	if page < pages {
		next := link(page + 1)
		if a.mode == "elsewhere" {
			next = a.other + "/wp-json/wp/v2/posts?page=2&per_page=2"
		}
		links = append(links, fmt.Sprintf(`<%s>; rel="next"`, next))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	w.Header().Set("X-WP-Total", strconv.Itoa(len(list)))
	w.Header().Set("X-WP-TotalPages", strconv.Itoa(pages))
	from := min((page-1)*per, len(list))
	items := list[from:min(from+per, len(list))]
	if items == nil {
		items = []map[string]any{}
	}
	curWrite(w, 200, curJSON(items))
}

const (
	wordpressPostQuery     = `SELECT id, slug, title__rendered, content__rendered, modified_gmt FROM posts ORDER BY id`
	wordpressCategoryQuery = `SELECT p.id, c.value FROM posts p JOIN posts__categories c ON c._pipe_parent_id = p._pipe_id ORDER BY p.id, c._pipe_list_idx`
)

func (a *wordpressAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var posts, cats []string
	for _, p := range a.posts {
		m, _ := time.Parse("2006-01-02T15:04:05", p["modified_gmt"].(string))
		posts = append(posts, fmt.Sprintf("%v|%v|%v|%v|%s", p["id"], p["slug"], p["title"].(map[string]any)["rendered"], p["content"].(map[string]any)["rendered"], m))
		for _, c := range p["categories"].([]int) {
			cats = append(cats, fmt.Sprintf("%v|%v", p["id"], c))
		}
	}
	r.checkTable(t, wordpressPostQuery, posts)
	r.checkTable(t, wordpressCategoryQuery, cats)
	r.noSecret(t, wordpressPassword)
}

// TestWordPressPosts: five posts, oldest modified first, two a page by
// the Link header's rel="next" (the walk never asks the page past the
// last, which WordPress refuses with 400); categories as a child table;
// then a second run sends modified_after from the cursor and merges the
// one post edited since.
func TestWordPressPosts(t *testing.T) {
	api := newWordPressAPI("")
	srv := newVendorOrigin(t, api)
	db := t.TempDir() + "/wordpress.db"
	r := curRunText(t, "wordpress", "", srv.srv.URL, db, wordpressEnv())
	r.mustLoad(t)
	api.check(t, r)
	if len(api.queries) != 3 || api.queries[0].Get("modified_after") != "2024-01-01T00:00:00" {
		t.Fatalf("queries %v, want 3 from modified_after=2024-01-01T00:00:00", api.queries)
	}
	api.mu.Lock()
	api.posts[1]["modified_gmt"] = "2024-05-09T08:30:00"
	api.posts[1]["title"] = map[string]any{"rendered": "Edited"}
	api.queries = nil
	api.mu.Unlock()
	r = curRunText(t, "wordpress", "", srv.srv.URL, db, wordpressEnv())
	r.mustLoad(t)
	api.check(t, r)
	if len(api.queries) != 1 || api.queries[0].Get("modified_after") != "2024-05-05T10:00:00" {
		t.Errorf("second run's queries %v, want one with modified_after=2024-05-05T10:00:00", api.queries)
	}
	if c := r.rep.Changes["posts"]; c.Updated != 1 || c.Inserted != 0 {
		t.Errorf("second run's changes %+v, want 1 updated", c)
	}
}

// TestWordPressPageNumber: the spec with page_number, as a newcomer who
// reads X-WP-TotalPages writes it. WordPress answers the page past the
// last with 400 rest_post_invalid_page_number: the run must not end in
// a partial load with exit 0; it fails naming the 400 (pipe reads no
// total from headers, and page_number asks until an empty page).
func TestWordPressPageNumber(t *testing.T) {
	text := curEdited(t, "wordpress", "paginator: header_link", "paginator: {type: page_number, base_page: 1}")
	api := newWordPressAPI("")
	r, srvURL := curServe(t, api, "wordpress", text, wordpressEnv())
	r.failedClean(t, srvURL, nil, wordpressPassword, []string{"posts", "posts__categories"}, `resource "posts"`, "page=4", "400", "rest_post_invalid_page_number")
	t.Log(r.err)
}

// TestWordPressHostile: a Link next to another host fails naming it, the
// other host getting nothing (the application password least of all); a
// wrong password fails on the 401, naming it; a post published mid-walk
// changes X-WP-Total, which the walk by page number holds to, and fails
// the run as a shifted collection (pages may have skipped a post).
func TestWordPressHostile(t *testing.T) {
	t.Run("grown", func(t *testing.T) {
		api := newWordPressAPI("grown")
		r, srvURL := curServe(t, api, "wordpress", "", wordpressEnv())
		r.failedClean(t, srvURL, rest.ErrShifted, wordpressPassword, []string{"posts", "posts__categories"}, `resource "posts"`, `header "X-WP-Total" was 5 and is 6 at page 2`)
	})
	t.Run("elsewhere", func(t *testing.T) {
		other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { curWrite(w, 200, `[]`) }))
		api := newWordPressAPI("elsewhere")
		api.other = other.srv.URL
		r, srvURL := curServe(t, api, "wordpress", "", wordpressEnv())
		r.failedClean(t, srvURL, rest.ErrOutOfScope, wordpressPassword, []string{"posts", "posts__categories"}, `resource "posts"`, strings.TrimPrefix(other.srv.URL, "http://"), "client.allowed_hosts")
		if n := other.requests(); n != 0 {
			t.Errorf("the other host got %d requests (%d with the password)", n, other.carrying(wordpressPassword))
		}
	})
	t.Run("password", func(t *testing.T) {
		api := newWordPressAPI("")
		r, srvURL := curServe(t, api, "wordpress", "", map[string]string{"WORDPRESS_APP_PASSWORD": "wxyz WXYZ 0000 wxyz WXYZ 0000"})
		r.failedClean(t, srvURL, nil, "wxyz WXYZ 0000 wxyz WXYZ 0000", []string{"posts"}, `resource "posts"`, "401", "incorrect_password")
	})
}
