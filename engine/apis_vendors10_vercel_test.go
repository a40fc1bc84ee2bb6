package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const (
	vercelToken = "vcp_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghij"
	vercelTeam  = "team_1a2b3c4d5e6f7g8h9i0j1k2l"
)

// vercelAPI serves GET /v6/deployments as Vercel documents it
// (https://vercel.com/docs/rest-api#authentication, #pagination,
// https://vercel.com/docs/rest-api/endpoints/deployments#list-deployments):
// a bearer token, else 403 {"error": {"code": "forbidden", "message":
// "Not authorized"}}; teamId required here; newest first; limit and until
// (deployments created before that millisecond); {"deployments": [...],
// "pagination": {"count", "next", "prev"}}, next the created of the
// page's last deployment while older ones exist, null on the last page.
//
// mode: "repeat" (page 2's next is page 1's), "string" (next as a string
// of digits), "morecount" (the last page says next null but count above
// the deployments it holds).
type vercelAPI struct {
	mode        string
	mu          sync.Mutex
	requests    int
	badAuth     int
	deployments []map[string]any // newest first
}

func newVercelAPI(mode string) *vercelAPI {
	a := &vercelAPI{mode: mode}
	for i := 5; i >= 1; i-- {
		var target any
		if i%2 == 1 {
			target = "production"
		}
		a.deployments = append(a.deployments, map[string]any{
			"uid": fmt.Sprintf("dpl_2euZBFqxYdDMDG1jTrHFnNZ2eUVa%d", i), "name": "docs", "url": fmt.Sprintf("docs-%d-acme.vercel.app", i),
			"created": int64(1609492210000) + int64(i)*3600000, "state": []string{"READY", "ERROR"}[i%2], "target": target,
			"creator": map[string]any{"uid": "96SnxkFiMyVKsK3pnoHfx3Hz", "username": "john-doe"},
			"meta":    map[string]any{"githubCommitSha": fmt.Sprintf("dc36199b2234c6586ebe05ec94078a895c707e2%d", i)},
		})
	}
	return a
}

func (a *vercelAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if !curBearer(r, vercelToken) {
		a.badAuth++
		curWrite(w, 403, `{"error": {"code": "forbidden", "message": "Not authorized", "invalidToken": true}}`)
		return
	}
	q := r.URL.Query()
	if r.URL.Path != "/v6/deployments" || q.Get("teamId") != vercelTeam {
		curWrite(w, 404, `{"error": {"code": "not_found", "message": "The requested team does not exist"}}`)
		return
	}
	limit := curQueryInt(q, "limit", 20)
	from := 0
	if until := q.Get("until"); until != "" {
		u, err := strconv.ParseInt(until, 10, 64)
		if err != nil {
			curWrite(w, 400, `{"error": {"code": "bad_request", "message": "Invalid query parameter until"}}`)
			return
		}
		for from < len(a.deployments) && a.deployments[from]["created"].(int64) >= u {
			from++
		}
	}
	to := min(from+limit, len(a.deployments))
	items := a.deployments[from:to]
	var next any
	if to < len(a.deployments) {
		next = items[len(items)-1]["created"]
	}
	count := len(items)
	switch {
	case a.mode == "repeat" && from > 0:
		next = a.deployments[limit-1]["created"]
	case a.mode == "string" && next != nil:
		next = strconv.FormatInt(next.(int64), 10)
	case a.mode == "morecount" && next == nil:
		count = limit
	}
	curWrite(w, 200, curJSON(map[string]any{"deployments": items, "pagination": map[string]any{"count": count, "next": next, "prev": a.deployments[from]["created"]}}))
}

func vercelEnv() map[string]string { return map[string]string{"VERCEL_TOKEN": vercelToken} }

const vercelQuery = `SELECT uid, url, created, state, target, creator__username, meta__github_commit_sha FROM deployments ORDER BY uid`

// check compares the table with what the fake served.
func (a *vercelAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var want []string
	for i := len(a.deployments) - 1; i >= 0; i-- {
		d := a.deployments[i]
		want = append(want, fmt.Sprintf("%v|%v|%v|%v|%v|john-doe|%v", d["uid"], d["url"], time.UnixMilli(d["created"].(int64)).UTC(), d["state"], curNullable(d["target"]), d["meta"].(map[string]any)["githubCommitSha"]))
	}
	r.checkTable(t, vercelQuery, want)
	r.noSecret(t, vercelToken)
}

// TestVercelDeployments: five deployments newest first in pages of two,
// pagination.next (a millisecond timestamp, as a number or a string)
// sent back as until, until next is null; created read as an instant by
// its hint, target null or "production".
func TestVercelDeployments(t *testing.T) {
	for _, mode := range []string{"", "string"} {
		t.Run("mode="+mode, func(t *testing.T) {
			api := newVercelAPI(mode)
			r, _ := curServe(t, api, "vercel", "", vercelEnv())
			r.mustLoad(t)
			api.check(t, r)
			if api.requests != 3 || api.badAuth != 0 {
				t.Errorf("%d requests (%d without the token), want 3 (0)", api.requests, api.badAuth)
			}
		})
	}
}

// TestVercelHostile: a next that repeats fails naming until; a last page
// whose pagination.count is above the deployments it holds is read as
// Vercel documents count (the page's own count), so it is no sign of
// more; a bad token's 403 fails naming Vercel's message.
func TestVercelHostile(t *testing.T) {
	t.Run("repeat", func(t *testing.T) {
		api := newVercelAPI("repeat")
		r, srvURL := curServe(t, api, "vercel", "", vercelEnv())
		r.failedClean(t, srvURL, rest.ErrLoop, vercelToken, []string{"deployments"}, `resource "deployments": page 2`, "until=1609506610000", `cursor_param "until"`)
		t.Log(r.err)
	})
	t.Run("morecount", func(t *testing.T) {
		api := newVercelAPI("morecount")
		r, _ := curServe(t, api, "vercel", "", vercelEnv())
		r.mustLoad(t)
		api.check(t, r)
	})
	t.Run("forbidden", func(t *testing.T) {
		api := newVercelAPI("")
		r, srvURL := curServe(t, api, "vercel", "", map[string]string{"VERCEL_TOKEN": "vcp_wrong"})
		r.failedClean(t, srvURL, nil, "vcp_wrong", []string{"deployments"}, `resource "deployments": page 1`, "403", "Not authorized")
	})
}
