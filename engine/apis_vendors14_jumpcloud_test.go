package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

const jumpcloudKey = "jca_7dA9fK2mQ4xR8vT1wZ6yB3nC5pL0sH2gJ4"

func jumpcloudEnv() map[string]string { return map[string]string{"JUMPCLOUD_API_KEY": jumpcloudKey} }

// jumpCloudAPI serves GET /api/systemusers as JumpCloud documents API v1
// (https://docs.jumpcloud.com/api/1.0/index.html#tag/Systemusers): the
// key in x-api-key (401 {"message": "Unauthorized"}); limit (capped at
// maxLimit, 100 in JumpCloud) and skip; sort; {"totalCount": N,
// "results": [{"_id", "username", "email", "activated",
// "account_locked", "created", "attributes": [{"name", "value"}], ...}]}.
//
// mode: "created" (a user sorted first is created once the first page
// was served: totalCount grows and the others move a place),
// "stringly" (totalCount is written as a string).
type jumpCloudAPI struct {
	mode     string
	maxLimit int
	mu       sync.Mutex
	users    []map[string]any
	requests []string
	done     bool
}

func jumpCloudUser(i int, name string) map[string]any {
	return map[string]any{"_id": fmt.Sprintf("5c9a6b2e1f0c4d0001%06d", i), "username": name, "email": name + "@acme.test", "activated": i != 3,
		"account_locked": i == 4, "created": fmt.Sprintf("2019-03-2%dT17:21:50.296Z", i), "badLoginAttempts": i - 1,
		"attributes": []map[string]any{{"name": "costCenter", "value": fmt.Sprint("CC-", i)}}}
}

func newJumpCloudAPI(mode string) *jumpCloudAPI {
	a := &jumpCloudAPI{mode: mode, maxLimit: 100}
	for i, name := range []string{"bob", "carol", "dave", "erin", "frank"} {
		a.users = append(a.users, jumpCloudUser(i+1, name))
	}
	return a
}

func (a *jumpCloudAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.RawQuery)
	if r.Header.Get("x-api-key") != jumpcloudKey {
		curWrite(w, 401, `{"message": "Unauthorized"}`)
		return
	}
	if r.URL.Path != "/api/systemusers" || r.URL.Query().Get("sort") != "username" {
		curWrite(w, 404, `{"message": "Not Found"}`)
		return
	}
	q := r.URL.Query()
	limit := min(curQueryInt(q, "limit", 10), a.maxLimit)
	skip := curQueryInt(q, "skip", 0)
	from, to := min(skip, len(a.users)), min(skip+limit, len(a.users))
	var total any = len(a.users)
	if strings.HasPrefix(a.mode, "stringly") {
		total = fmt.Sprint(len(a.users))
	}
	curWrite(w, 200, curJSON(map[string]any{"totalCount": total, "results": a.users[from:to]}))
	if strings.HasSuffix(a.mode, "created") && skip == 0 && !a.done {
		a.done = true
		a.users = append([]map[string]any{jumpCloudUser(9, "alice")}, a.users...)
	}
}

func (a *jumpCloudAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var users, attrs []string
	for _, u := range a.users {
		users = append(users, fmt.Sprintf("%s|%s|%v|%v|%v", u["_id"], u["username"], u["activated"], u["account_locked"], u["badLoginAttempts"]))
		attrs = append(attrs, fmt.Sprintf("%s|costCenter|%s", u["username"], u["attributes"].([]map[string]any)[0]["value"]))
	}
	r.checkTable(t, `SELECT _id, username, activated, account_locked, bad_login_attempts FROM systemusers ORDER BY username`, users)
	r.checkTable(t, `SELECT u.username, a.name, a.value FROM systemusers__attributes a JOIN systemusers u ON u._pipe_id = a._pipe_parent_id ORDER BY u.username`, attrs)
	r.noSecret(t, jumpcloudKey)
}

// TestJumpCloudSystemUsers: five users two at a time by skip, held to
// totalCount: skip=0, 2 and 4.
func TestJumpCloudSystemUsers(t *testing.T) {
	api := newJumpCloudAPI("")
	r, _ := v14Serve(t, api, "jumpcloud", "", jumpcloudEnv())
	r.mustLoad(t)
	api.check(t, r)
	curSameRows(t, "requests", v13Locked(&api.mu, func() []string { return api.requests }), []string{"limit=2&skip=0&sort=username", "limit=2&skip=2&sort=username", "limit=2&skip=4&sort=username"})
}

// TestJumpCloudLimitAboveCap: a limit above the API's cap (3 where it
// serves 2) under total_path is paged from the records received: every
// user once.
func TestJumpCloudLimitAboveCap(t *testing.T) {
	api := newJumpCloudAPI("")
	api.maxLimit = 2
	r, _ := v14Serve(t, api, "jumpcloud", v14Spec(t, "jumpcloud", "limit: 2,", "limit: 3,"), jumpcloudEnv())
	r.mustLoad(t)
	api.check(t, r)
	curSameRows(t, "requests", v13Locked(&api.mu, func() []string { return api.requests }), []string{"limit=3&skip=0&sort=username", "limit=3&skip=2&sort=username", "limit=3&skip=4&sort=username"})
}

// TestJumpCloudUserCreatedMidWalk: a user created after the first page
// (alice, sorted first) moves carol back onto page 2, read twice, and erin
// onto page 3, which would end the walk at the old total before frank:
// totalCount goes from 5 to 6, and the run fails naming it, with
// total_path and without (the walk follows totalCount all the same).
func TestJumpCloudUserCreatedMidWalk(t *testing.T) {
	for name, text := range map[string][]string{"total_path": nil, "found": {", total_path: totalCount}", "}"}} {
		t.Run(name, func(t *testing.T) {
			api := newJumpCloudAPI("created")
			r, srvURL := v14Serve(t, api, "jumpcloud", v14Spec(t, "jumpcloud", text...), jumpcloudEnv())
			r.failedClean(t, srvURL, nil, jumpcloudKey, []string{"systemusers"}, `resource "systemusers"`, "totalCount")
			t.Log(r.err)
		})
	}
}

// TestJumpCloudTotalAsString: a totalCount written as a string of digits
// ("5") is read as its number: the load is exact, and a user created
// mid-walk (totalCount "5", then "6") still fails the run naming it.
func TestJumpCloudTotalAsString(t *testing.T) {
	api := newJumpCloudAPI("stringly")
	r, _ := v14Serve(t, api, "jumpcloud", "", jumpcloudEnv())
	r.mustLoad(t)
	api.check(t, r)

	api = newJumpCloudAPI("stringly created")
	r, srvURL := v14Serve(t, api, "jumpcloud", "", jumpcloudEnv())
	r.failedClean(t, srvURL, nil, jumpcloudKey, []string{"systemusers"}, `resource "systemusers"`, "totalCount")
	t.Log(r.err)
}
