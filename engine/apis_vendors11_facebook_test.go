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

const facebookToken = "EAAGm0PX4ZCpsBAKZCZAx8nZBq1wZCZCZBZBdZBLZCfZBz7ZA3ZBZBvZCZCzZBZA0fZCZB9ZCZBZAZCZB"

func facebookEnv() map[string]string { return map[string]string{"FACEBOOK_PAGE_TOKEN": facebookToken} }

// facebookAPI serves GET /v19.0/{page-id}/posts and /v19.0/{post-id}/comments
// as the Graph API documents them (https://developers.facebook.com/docs/graph-api/results,
// https://developers.facebook.com/docs/graph-api/reference/page/feed/,
// https://developers.facebook.com/docs/graph-api/reference/object/comments/,
// https://developers.facebook.com/docs/graph-api/guides/error-handling):
// the access_token parameter (400 {"error": {"message": "Invalid OAuth
// access token - Cannot parse access token", "type": "OAuthException",
// "code": 190, "fbtrace_id"}} otherwise); fields, limit, after;
// {"data": [...], "paging": {"cursors": {"before", "after"}, "previous",
// "next"}}, next the full URL of the next page with every parameter of
// the request, access_token included, absent on the last page; comments
// with summary=true add "summary": {"order", "total_count",
// "can_comment"}.
//
// mode: "expired" (the second posts page is 400 with code 190, subcode
// 463: the token expired), "elsewhere" (the posts' next names another
// host), "commented" (a comment is added to post 2 before its page 2:
// summary.total_count 2 then 3), "usage" (the first comments request is
// the rate limit: 400 with code 17 and X-App-Usage).
type facebookAPI struct {
	mode     string
	other    string
	mu       sync.Mutex
	requests int
	tokens   []int // access_token parameters per request
	added    bool
	limited  bool
	posts    []map[string]any
	comments map[string][]map[string]any
}

func newFacebookAPI(mode string) *facebookAPI {
	a := &facebookAPI{mode: mode, comments: map[string][]map[string]any{}}
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("104728392512345_%d", 880000+i)
		a.posts = append(a.posts, map[string]any{
			"id": id, "message": fmt.Sprintf("Post %d: café & \"quotes\"", i), "created_time": fmt.Sprintf("2024-06-0%dT10:00:00+0000", 6-i),
			"permalink_url": "https://www.facebook.com/104728392512345/posts/" + id,
		})
		for c := 1; c <= i%4; c++ {
			a.comments[id] = append(a.comments[id], map[string]any{
				"id": fmt.Sprintf("%d_%d", 880000+i, 990000+10*i+c), "message": fmt.Sprintf("Comment %d", c),
				"created_time": fmt.Sprintf("2024-06-0%dT11:0%d:00+0000", 6-i, c), "from": map[string]any{"id": fmt.Sprintf("5%d", c), "name": fmt.Sprintf("Fan %d", c)},
			})
		}
	}
	return a
}

func fbCursor(at int) string {
	return base64.RawStdEncoding.EncodeToString([]byte(fmt.Sprintf("QVFIU%d", at)))
}

func (a *facebookAPI) graphError(w http.ResponseWriter, code, sub int, msg string) {
	curWrite(w, 400, curJSON(map[string]any{"error": map[string]any{"message": msg, "type": "OAuthException", "code": code, "error_subcode": sub, "fbtrace_id": "AWjb2Xq3-8xm2Lz"}}))
}

func (a *facebookAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	q := r.URL.Query()
	a.tokens = append(a.tokens, len(q["access_token"]))
	if q.Get("access_token") != facebookToken {
		a.graphError(w, 190, 0, "Invalid OAuth access token - Cannot parse access token")
		return
	}
	var list []map[string]any
	var summary map[string]any
	path := strings.TrimPrefix(r.URL.Path, "/v19.0/")
	after := q.Get("after")
	switch {
	case path == "104728392512345/posts":
		if a.mode == "expired" && after != "" {
			a.graphError(w, 190, 463, "Error validating access token: Session has expired on Thursday, 06-Jun-24 10:00:00 PDT.")
			return
		}
		list = a.posts
	case strings.HasSuffix(path, "/comments"):
		if a.mode == "usage" && !a.limited {
			a.limited = true
			w.Header().Set("X-App-Usage", `{"call_count":100,"total_time":25,"total_cputime":25}`)
			curWrite(w, 400, `{"error": {"message": "(#17) User request limit reached", "type": "OAuthException", "is_transient": true, "code": 17, "error_subcode": 2446079, "fbtrace_id": "A1b2C3"}}`)
			return
		}
		id := strings.TrimSuffix(path, "/comments")
		if a.mode == "commented" && id == a.posts[2]["id"] && after != "" && !a.added {
			a.added = true
			a.comments[id] = append([]map[string]any{{"id": "880003_999999", "message": "late", "created_time": "2024-06-05T12:00:00+0000", "from": map[string]any{"id": "59", "name": "Late"}}}, a.comments[id]...)
		}
		list = a.comments[id]
		if q.Get("summary") == "true" {
			summary = map[string]any{"order": "chronological", "total_count": len(list), "can_comment": true}
		}
	default:
		a.graphError(w, 100, 33, "Unsupported get request.")
		return
	}
	at := 0
	if after != "" {
		raw, _ := base64.RawStdEncoding.DecodeString(after)
		fmt.Sscanf(string(raw), "QVFIU%d", &at)
	}
	limit := curQueryInt(q, "limit", 25)
	from := min(at, len(list))
	to := min(from+limit, len(list))
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	paging := map[string]any{}
	if len(items) > 0 {
		paging["cursors"] = map[string]any{"before": fbCursor(from), "after": fbCursor(to)}
	}
	if to < len(list) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("after", fbCursor(to))
		paging["next"] = "http://" + r.Host + r.URL.Path + "?" + nq.Encode()
		if a.mode == "elsewhere" && path == "104728392512345/posts" {
			paging["next"] = a.other + "/v19.0/104728392512345/posts?limit=2&after=" + fbCursor(to) + "&access_token=" + url.QueryEscape(facebookToken)
		}
	}
	body := map[string]any{"data": items, "paging": paging}
	if summary != nil {
		body["summary"] = summary
	}
	curWrite(w, 200, curJSON(body))
}

const (
	facebookPostQuery    = `SELECT id, message, created_time, permalink_url FROM posts ORDER BY id`
	facebookCommentQuery = `SELECT _posts_id, id, message, from__name, created_time FROM comments ORDER BY id`
)

func fbTime(s string) string {
	return strings.Replace(strings.TrimSuffix(s, "+0000"), "T", " ", 1) + " +0000 UTC"
}

func (a *facebookAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var posts, comments []string
	for _, p := range a.posts {
		posts = append(posts, fmt.Sprintf("%v|%v|%v|%v", p["id"], p["message"], fbTime(p["created_time"].(string)), p["permalink_url"]))
		for _, c := range a.comments[p["id"].(string)] {
			comments = append(comments, fmt.Sprintf("%v|%v|%v|%v|%v", p["id"], c["id"], c["message"], c["from"].(map[string]any)["name"], fbTime(c["created_time"].(string))))
		}
	}
	sort.Strings(posts)
	sort.Strings(comments)
	r.checkTable(t, facebookPostQuery, posts)
	r.checkTable(t, facebookCommentQuery, comments)
	r.noSecret(t, facebookToken)
	r.noSecret(t, url.QueryEscape(facebookToken))
}

// TestFacebookPostsAndComments: five posts two a page by paging.next
// (whose URLs carry the access_token, as the Graph API writes them), and
// each post's 0 to 3 comments under summary.total_count; every request
// carries the token once; it is nowhere in the logs or tables.
func TestFacebookPostsAndComments(t *testing.T) {
	api := newFacebookAPI("")
	r, _ := curServe(t, api, "facebook", "", facebookEnv())
	r.mustLoad(t)
	api.check(t, r)
	for i, n := range api.tokens {
		if n != 1 {
			t.Errorf("request %d carried %d access_token parameters, want 1", i+1, n)
		}
	}
	// posts: 3 pages; comments of 1, 2, 3, 0 and 1: 1+1+2+1+1 pages
	if api.requests != 3+6 {
		t.Errorf("%d requests, want 9", api.requests)
	}
}

// TestFacebookHostile: a token that expires mid-walk (400, code 190,
// subcode 463) fails naming the error, the URL without the token; a next
// URL on another host (carrying the token, as Graph links do) fails
// before anything is sent there; a comment added to post 3 before its
// page 2 moves summary.total_count from 3 to 4 and fails the run; the rate limit (400, code 17,
// which the Graph API sends instead of a 429) fails naming it; each with
// nothing loaded.
func TestFacebookHostile(t *testing.T) {
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		curWrite(w, 200, `{"data": [], "paging": {}}`)
	}))
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"expired", nil, []string{`resource "posts"`, "400", "Session has expired", "access_token=***"}},
		{"elsewhere", rest.ErrOutOfScope, []string{`resource "posts"`, strings.TrimPrefix(other.srv.URL, "http://"), "client.allowed_hosts"}},
		{"commented", rest.ErrShifted, []string{`resource "comments"`, "summary.total_count"}},
		{"usage", nil, []string{`resource "comments"`, "400", "User request limit reached"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newFacebookAPI(c.mode)
			api.other = other.srv.URL
			r, srvURL := curServe(t, api, "facebook", "", facebookEnv())
			r.failedClean(t, srvURL, c.sentinel, facebookToken, []string{"posts", "comments"}, c.parts...)
			r.noSecret(t, url.QueryEscape(facebookToken))
			t.Log(r.err)
		})
	}
	if n := other.requests(); n != 0 {
		t.Errorf("the other host got %d requests (%d with the token)", n, other.carrying(facebookToken))
	}
}
