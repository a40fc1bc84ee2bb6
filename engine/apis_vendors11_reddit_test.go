package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

const redditToken = "eyJhbGciOiJSUzI1NiIsImtpZCI6IlNIQTI1NjpzS3dsMnlsV0VtMjVmcXhwTU40cWY4MXE2OWFFdWFyMnpLMUdhVGxjdWNZIiwidHlwIjoiSldUIn0.reddit.sig"

func redditEnv() map[string]string { return map[string]string{"REDDIT_ACCESS_TOKEN": redditToken} }

// redditAPI serves GET /r/{subreddit}/new as Reddit documents its
// listings (https://www.reddit.com/dev/api/#listings,
// https://github.com/reddit-archive/reddit/wiki/API): a bearer token
// (401 {"message": "Unauthorized", "error": 401} without it) and a
// descriptive User-Agent (a request without one is answered 429, as
// Reddit throttles default agents); after (a fullname, t3_<id>), limit
// (25, at most 100) and count; {"kind": "Listing", "data": {"after",
// "before", "dist", "modhash", "geo_filter", "children": [{"kind": "t3",
// "data": {...}}]}}, newest first, after null on the last page; every
// answer carries X-Ratelimit-Used, X-Ratelimit-Remaining (a float) and
// X-Ratelimit-Reset (seconds until the period ends); past the limit,
// 429 with those headers and no Retry-After.
//
// mode: "limit" (the first request for page 2 is answered 429 with
// X-Ratelimit-Remaining 0.0 and X-Ratelimit-Reset 42), "repeat" (page 2
// gives page 1's after again), "private" (403 {"reason": "private"}).
type redditAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	noAgent  int
	agents   map[string]int
	limited  bool
	posts    []map[string]any
}

func newRedditAPI(mode string) *redditAPI {
	a := &redditAPI{mode: mode, agents: map[string]int{}}
	for i := 5; i >= 1; i-- {
		id := fmt.Sprintf("1h%04dx", i)
		flair := []map[string]any{{"e": "text", "t": "discussion"}}
		if i%2 == 0 {
			flair = append(flair, map[string]any{"e": "emoji", "a": ":go:", "u": "https://emoji.redditmedia.com/go.png"})
		}
		a.posts = append(a.posts, map[string]any{
			"id": id, "name": "t3_" + id, "title": fmt.Sprintf("Post %d & friends", i), "author": fmt.Sprintf("gopher%d", i),
			"subreddit": "golang", "score": 10 * i, "num_comments": i, "created_utc": json.Number(fmt.Sprintf("%d.0", 1717200000+i*60)), "over_18": false,
			"permalink": fmt.Sprintf("/r/golang/comments/%s/post_%d/", id, i), "link_flair_richtext": flair,
		})
	}
	return a
}

func (a *redditAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	a.agents[r.Header.Get("User-Agent")]++
	w.Header().Set("X-Ratelimit-Used", fmt.Sprint(a.requests))
	w.Header().Set("X-Ratelimit-Remaining", fmt.Sprintf("%.1f", float64(100-a.requests)))
	w.Header().Set("X-Ratelimit-Reset", "42")
	if ua := r.Header.Get("User-Agent"); ua == "" || strings.HasPrefix(ua, "Go-http-client") {
		a.noAgent++
		curWrite(w, 429, `{"message": "Too Many Requests", "error": 429}`)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+redditToken && r.Header.Get("Authorization") != "bearer "+redditToken {
		curWrite(w, 401, `{"message": "Unauthorized", "error": 401}`)
		return
	}
	if a.mode == "private" {
		curWrite(w, 403, `{"reason": "private", "message": "Forbidden", "error": 403}`)
		return
	}
	if r.URL.Path != "/r/golang/new" {
		curWrite(w, 404, `{"message": "Not Found", "error": 404}`)
		return
	}
	q := r.URL.Query()
	after := q.Get("after")
	if a.mode == "limit" && after != "" && !a.limited {
		a.limited = true
		w.Header().Set("X-Ratelimit-Remaining", "0.0")
		curWrite(w, 429, `{"message": "Too Many Requests", "error": 429}`)
		return
	}
	from := 0
	if after != "" {
		from = -1
		for i, p := range a.posts {
			if p["name"] == after {
				from = i + 1
			}
		}
		if from < 0 {
			// an after that names no post: an empty listing
			from = len(a.posts)
		}
	}
	limit := min(curQueryInt(q, "limit", 25), 100)
	to := min(from+limit, len(a.posts))
	children := []map[string]any{}
	for _, p := range a.posts[from:to] {
		children = append(children, map[string]any{"kind": "t3", "data": p})
	}
	var next any
	if to < len(a.posts) {
		next = a.posts[to-1]["name"]
		if a.mode == "repeat" && from > 0 {
			next = after
		}
	}
	var before any
	if from > 0 {
		before = a.posts[from]["name"]
	}
	curWrite(w, 200, curJSON(map[string]any{"kind": "Listing", "data": map[string]any{
		"after": next, "before": before, "dist": len(children), "modhash": "", "geo_filter": "", "children": children,
	}}))
}

const (
	redditPostQuery  = `SELECT kind, data__name, data__title, data__author, data__score, data__created_utc, data__over_18 FROM posts ORDER BY data__name`
	redditFlairQuery = `SELECT p.data__name, f.e, f.t, f.a FROM posts p JOIN posts__data__link_flair_richtext f ON f._pipe_parent_id = p._pipe_id ORDER BY p.data__name, f._pipe_list_idx`
)

func (a *redditAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var posts, flair []string
	for i := len(a.posts) - 1; i >= 0; i-- {
		p := a.posts[i]
		// Reddit writes created_utc as a Python float ("1717200060.0"):
		// a double column
		created, _ := p["created_utc"].(json.Number).Float64()
		posts = append(posts, fmt.Sprintf("t3|%v|%v|%v|%v|%v|false", p["name"], p["title"], p["author"], p["score"], created))
		for _, f := range p["link_flair_richtext"].([]map[string]any) {
			flair = append(flair, fmt.Sprintf("%v|%v|%v|%v", p["name"], f["e"], curNullable(f["t"]), curNullable(f["a"])))
		}
	}
	r.checkTable(t, redditPostQuery, posts)
	r.checkTable(t, redditFlairQuery, flair)
	r.noSecret(t, redditToken)
}

// TestRedditNewPosts: five posts, newest first, two a page by the
// listing's data.after fullname until it is null; each post's
// link_flair_richtext as a child table; the spec's User-Agent sent.
func TestRedditNewPosts(t *testing.T) {
	api := newRedditAPI("")
	r, _ := curServe(t, api, "reddit", "", redditEnv())
	r.mustLoad(t)
	api.check(t, r)
	if api.requests != 3 || fmt.Sprint(api.agents) != "map[linux:pipe-loader:v1.0 (by /u/pipe_etl):3]" {
		t.Errorf("%d requests, User-Agents %v; want 3, all the spec's", api.requests, api.agents)
	}
}

// TestRedditRateLimitReset: a 429 with X-Ratelimit-Reset 42 (seconds to
// the end of the period, no Retry-After) is waited out for 42 s and page
// 2 asked again.
func TestRedditRateLimitReset(t *testing.T) {
	api := newRedditAPI("limit")
	var sleeps curSleeps
	r, _ := curServe(t, api, "reddit", "", redditEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	sleeps.check(t, int32(api.requests), 4, "[42s]")
}

// TestRedditHostile: an after that repeats fails as a pagination loop; a
// private subreddit's 403 fails naming it; each with nothing loaded.
func TestRedditHostile(t *testing.T) {
	for _, c := range []struct {
		mode, text string
		parts      []string
	}{
		{"repeat", "", []string{`resource "posts"`, "seen before", `cursor_path "data.after"`}},
		{"private", "", []string{`resource "posts"`, "403"}},
	} {
		t.Run(c.mode+c.text, func(t *testing.T) {
			api := newRedditAPI(c.mode)
			r, srvURL := curServe(t, api, "reddit", c.text, redditEnv())
			r.failedClean(t, srvURL, nil, redditToken, []string{"posts", "posts__data__link_flair_richtext"}, c.parts...)
			t.Log(r.err)
		})
	}
}
