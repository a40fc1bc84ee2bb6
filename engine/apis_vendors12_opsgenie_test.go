package engine_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const opsgenieKey = "eb243592-faa2-4ba2-a551q-1afdf565c889"

func opsgenieEnv() map[string]string { return map[string]string{"OPSGENIE_API_KEY": opsgenieKey} }

// opsgenieAPI serves GET /v2/alerts and /v2/users as Opsgenie documents
// them (https://docs.opsgenie.com/docs/alert-api#list-alerts,
// https://docs.opsgenie.com/docs/user-api#list-user,
// https://docs.opsgenie.com/docs/pagination,
// https://docs.opsgenie.com/docs/api-rate-limiting): "Authorization:
// GenieKey <key>" (401 {"message": "Could not authenticate", "took":
// 0.0, "requestId": ...} otherwise); offset, limit (20, at most 100),
// sort, order; {"data": [...], "paging": {"next", "first", "last"},
// "took", "requestId"}, each paging URL absolute with every parameter and
// also in X-Paging-Next, X-Paging-First and X-Paging-Last headers, next
// absent on the last page; users also {"totalCount"}; 429 with
// X-RateLimit-State: THROTTLED, X-RateLimit-Reason and
// X-RateLimit-Period-In-Sec.
//
// mode: "elsewhere" (the alerts' next names the EU host), "useradded"
// (a user is added at the front after the first users page),
// "alertclosed" (the first alert is closed, leaving status:open, after
// the first alerts page), "throttled" (the first users request is 429).
type opsgenieAPI struct {
	mode      string
	other     string
	mu        sync.Mutex
	requests  int
	changed   bool
	throttled bool
	alerts    []map[string]any
	users     []map[string]any
}

func newOpsgenieAPI(mode string) *opsgenieAPI {
	a := &opsgenieAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		a.alerts = append(a.alerts, map[string]any{
			"id": fmt.Sprintf("70413a06-38d6-4c85-92b8-5ebc900d42e%d", i), "tinyId": fmt.Sprint(1790 + i), "alias": fmt.Sprintf("event_%d", 573+i),
			"message": fmt.Sprintf("Our servers are in danger %d", i), "status": "open", "acknowledged": i%2 == 0, "isSeen": true,
			"tags": []string{"OverwriteQuietHours", "Critical"}, "snoozed": false, "count": 79 + i, "lastOccurredAt": fmt.Sprintf("2017-04-0%dT12:13:43.427Z", i),
			"createdAt": fmt.Sprintf("2017-03-0%dT10:34:48.022Z", i), "updatedAt": fmt.Sprintf("2017-04-0%dT12:13:43.428Z", i), "source": "Isengard",
			"owner": "morpheus@opsgenie.com", "priority": "P" + fmt.Sprint(1+i%5), "responders": []map[string]any{{"id": "4513b7ea-3b91-438f-b7e4-e3e54af9147c", "type": "team"}},
			"integration": map[string]any{"id": "4513b7ea-3b91-438f-b7e4-e3e54af9147c", "name": "Nebuchadnezzar", "type": "API"},
			"report":      map[string]any{"ackTime": 15702 * i, "acknowledgedBy": "agent_smith@opsgenie.com"},
		})
	}
	for i := 1; i <= 3; i++ {
		a.users = append(a.users, map[string]any{
			"id": fmt.Sprintf("b5b92115-bfe7-43eb-8c2a-e467f2e5ddc%d", i), "username": fmt.Sprintf("user%d@opsgenie.com", i), "fullName": fmt.Sprintf("User %d", i),
			"role": map[string]any{"id": "Admin", "name": "Admin"}, "blocked": false, "verified": i != 2, "timeZone": "Europe/Istanbul", "locale": "en_US",
			"createdAt": fmt.Sprintf("2017-05-1%dT08:34:21.325Z", i), "userAddress": map[string]any{"country": "", "state": "", "city": "", "line": "", "zipCode": ""},
		})
	}
	return a
}

func (a *opsgenieAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	w.Header().Set("Content-Type", "application/json")
	const reqID = "9ae63dd7-ed00-4c81-86f0-c4ffd33142c9"
	if r.Header.Get("Authorization") != "GenieKey "+opsgenieKey {
		curWrite(w, 401, `{"message": "Could not authenticate", "took": 0.0, "requestId": "`+reqID+`"}`)
		return
	}
	var list []map[string]any
	switch r.URL.Path {
	case "/v2/alerts":
		list = a.alerts
	case "/v2/users":
		if a.mode == "throttled" && !a.throttled {
			a.throttled = true
			w.Header().Set("X-RateLimit-State", "THROTTLED")
			w.Header().Set("X-RateLimit-Reason", "ACCOUNT")
			w.Header().Set("X-RateLimit-Period-In-Sec", "60")
			curWrite(w, 429, `{"message": "You are making too many requests! To avoid errors, we recommend you limit requests.", "took": 0.001, "requestId": "`+reqID+`"}`)
			return
		}
		list = a.users
	default:
		curWrite(w, 404, `{"message": "Not found", "took": 0.0, "requestId": "`+reqID+`"}`)
		return
	}
	q := r.URL.Query()
	limit := min(curQueryInt(q, "limit", 20), 100)
	off := curQueryInt(q, "offset", 0)
	from, to := min(off, len(list)), min(off+limit, len(list))
	link := func(o int) string {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("offset", fmt.Sprint(o))
		nq.Set("limit", fmt.Sprint(limit))
		return "http://" + r.Host + r.URL.Path + "?" + nq.Encode()
	}
	paging := map[string]any{"first": link(0), "last": link(max(len(list)-1, 0) / limit * limit)}
	if to < len(list) {
		paging["next"] = link(to)
		if a.mode == "elsewhere" && r.URL.Path == "/v2/alerts" {
			u, _ := url.Parse(paging["next"].(string))
			paging["next"] = a.other + u.Path + "?" + u.RawQuery
		}
		w.Header().Set("X-Paging-Next", paging["next"].(string))
	}
	w.Header().Set("X-Paging-First", paging["first"].(string))
	w.Header().Set("X-Paging-Last", paging["last"].(string))
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	resp := map[string]any{"data": items, "paging": paging, "took": 0.031, "requestId": reqID}
	if r.URL.Path == "/v2/users" {
		resp["totalCount"] = len(list)
	}
	curWrite(w, 200, curJSON(resp))
	if !a.changed && off == 0 {
		switch {
		case a.mode == "useradded" && r.URL.Path == "/v2/users":
			a.changed = true
			a.users = append([]map[string]any{{"id": "b5b92115-bfe7-43eb-8c2a-e467f2e5ddc0", "username": "aaron@opsgenie.com", "fullName": "Aaron",
				"role": map[string]any{"id": "User", "name": "User"}, "blocked": false, "verified": true, "timeZone": "UTC", "locale": "en_US", "createdAt": "2017-06-01T00:00:00.000Z"}}, a.users...)
		case a.mode == "alertclosed" && r.URL.Path == "/v2/alerts":
			a.changed = true
			a.alerts = a.alerts[1:]
		}
	}
}

func (a *opsgenieAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var alerts, tags, users []string
	for _, al := range a.alerts {
		alerts = append(alerts, fmt.Sprintf("%v|%v|%v|%v|%v|%v|%v", al["id"], al["tinyId"], al["message"], al["acknowledged"], al["count"], al["integration"].(map[string]any)["name"], al["report"].(map[string]any)["ackTime"]))
		for _, tg := range al["tags"].([]string) {
			tags = append(tags, fmt.Sprintf("%v|%s", al["id"], tg))
		}
	}
	for _, u := range a.users {
		users = append(users, fmt.Sprintf("%v|%v|%v|%v", u["id"], u["username"], u["role"].(map[string]any)["name"], u["verified"]))
	}
	sort.Strings(tags)
	r.checkTable(t, `SELECT id, tiny_id, message, acknowledged, count, integration__name, report__ack_time FROM alerts ORDER BY id`, alerts)
	r.checkTable(t, `SELECT id, username, role__name, verified FROM users ORDER BY id`, users)
	r.checkTable(t, `SELECT a.id, t.value FROM alerts a JOIN alerts__tags t ON t._pipe_parent_id = a._pipe_id ORDER BY a.id, t.value`, tags)
	r.noSecret(t, opsgenieKey)
}

// TestOpsgenieAlertsAndUsers: five open alerts and three users two a
// page by paging.next (absolute URLs keeping query, sort and order).
func TestOpsgenieAlertsAndUsers(t *testing.T) {
	api := newOpsgenieAPI("")
	r, _ := curServe(t, api, "opsgenie", "", opsgenieEnv())
	r.mustLoad(t)
	api.check(t, r)
	if api.requests != 3+2 {
		t.Errorf("%d requests, want 5", api.requests)
	}
}

// TestOpsgenieThrottled: a 429 with X-RateLimit-State THROTTLED is
// waited out for the X-RateLimit-Period-In-Sec it names (Opsgenie sends
// no Retry-After: its window ends within that period) and asked again,
// and the walk completes.
func TestOpsgenieThrottled(t *testing.T) {
	api := newOpsgenieAPI("throttled")
	var sleeps curSleeps
	r, _ := curServe(t, api, "opsgenie", "", opsgenieEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	if w := fmt.Sprint(sleeps.all()); w != "[1m0s]" {
		t.Errorf("waits %s, want [1m0s]", w)
	}
}

// TestOpsgenieHostile: a next link on the EU host fails naming it, the
// other host getting nothing; a user added during the walk changes
// totalCount and fails the run; each with nothing loaded.
func TestOpsgenieHostile(t *testing.T) {
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		curWrite(w, 200, `{"data": [], "paging": {}}`)
	}))
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"elsewhere", rest.ErrOutOfScope, []string{`resource "alerts"`, "client.allowed_hosts"}},
		{"useradded", nil, []string{`resource "users"`, "totalCount"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newOpsgenieAPI(c.mode)
			api.other = other.srv.URL
			r, srvURL := curServe(t, api, "opsgenie", "", opsgenieEnv())
			r.failedClean(t, srvURL, c.sentinel, opsgenieKey, []string{"alerts", "users"}, c.parts...)
			t.Log(r.err)
		})
	}
	if n := other.requests(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

// TestOpsgenieAlertClosedMidWalk: the first open alert is closed after
// the first page; the others move back one place and the third is on no
// page read, while the first page's paging.last (offset=4) named a page
// the walk never reached and page 2's paging.last moved to offset=2.
// pipe loads alerts 1, 2, 4 and 5 and exits 0.
func TestOpsgenieAlertClosedMidWalk(t *testing.T) {
	api := newOpsgenieAPI("alertclosed")
	r, srvURL := curServe(t, api, "opsgenie", "", opsgenieEnv())
	t.Log(r.err)
	r.failedClean(t, srvURL, nil, opsgenieKey, []string{"alerts", "users"}, `resource "alerts"`)
}
