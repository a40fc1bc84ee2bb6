package engine_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/rest"
)

const harvestToken = "2473906.pt.Qk9KdWxpZXRfMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"

func harvestEnv() map[string]string { return map[string]string{"HARVEST_ACCESS_TOKEN": harvestToken} }

// harvestAPI serves GET /v2/clients and /v2/projects as Harvest documents
// them (https://help.getharvest.com/api-v2/introduction/overview/pagination/,
// https://help.getharvest.com/api-v2/authentication-api/authentication/authentication/,
// https://help.getharvest.com/api-v2/clients-api/clients/clients/,
// https://help.getharvest.com/api-v2/projects-api/projects/projects/,
// https://help.getharvest.com/api-v2/introduction/overview/general/):
// "Authorization: Bearer <token>", Harvest-Account-Id and a User-Agent
// (401 {"error": "invalid_token", "error_description": ...} otherwise);
// per_page; {"clients": [...], "per_page", "total_pages",
// "total_entries", "next_page", "previous_page", "page", "links":
// {"first", "next", "previous", "last"}}: the first page numbered, the
// next link a cursor URL (cursor=<base64 {"after":{"id":N}}>, ref=next_cursor),
// page, next_page and previous_page null on the pages between; updated_since
// (inclusive); 429 with Retry-After.
//
// mode: "deleted" (a client is deleted after the first clients page),
// "lost" (the last clients page says links.next null while
// total_entries counts one client more than served), "throttled" (the
// first clients request is a 429 with Retry-After: 15), "elsewhere" (the
// projects' next link names another host).
type harvestAPI struct {
	mode      string
	other     string
	mu        sync.Mutex
	clients   []map[string]any
	projects  []map[string]any
	requests  []string
	throttled bool
	deleted   bool
}

func harvestClient(i int, updated string) map[string]any {
	return map[string]any{"id": 5735770 + i, "name": fmt.Sprintf("%d Industries", 120+i), "is_active": i != 4, "address": fmt.Sprintf("%d Main St\nDallas, TX 75201", i),
		"statement_key": fmt.Sprintf("0a39d3e33c8058cf7c3f8097d854c6%02d", i), "created_at": "2017-06-26T21:02:12Z", "updated_at": updated, "currency": []string{"EUR", "USD"}[i%2]}
}

func newHarvestAPI(mode string) *harvestAPI {
	a := &harvestAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		a.clients = append(a.clients, harvestClient(i, fmt.Sprintf("2017-06-2%dT21:34:30Z", i)))
	}
	for i := 1; i <= 3; i++ {
		a.projects = append(a.projects, map[string]any{
			"id": 14308060 + i, "name": fmt.Sprintf("Online Store - Phase %d", i), "code": fmt.Sprintf("OS%d", i), "is_active": true, "is_billable": true, "is_fixed_fee": i == 3,
			"bill_by": "Project", "budget": 200.0 + float64(i)/4, "budget_by": "project", "budget_is_monthly": false, "hourly_rate": json.Number("100.0"), "fee": map[bool]any{true: 8000.5, false: nil}[i == 3],
			"starts_on": "2017-06-01", "ends_on": nil, "created_at": "2017-06-26T21:52:18Z", "updated_at": "2017-06-26T21:54:06Z",
			"client": map[string]any{"id": 5735776, "name": "123 Industries", "currency": "EUR"},
		})
	}
	return a
}

func harvestCursor(id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"after":{"id":%d}}`, id)))
}

func (a *harvestAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.Path+"?"+r.URL.RawQuery)
	if !curBearer(r, harvestToken) || r.Header.Get("Harvest-Account-Id") != "123456" || !strings.Contains(r.UserAgent(), "@") {
		curWrite(w, 401, `{"error": "invalid_token", "error_description": "The access token provided is expired, revoked, malformed or invalid for other reasons."}`)
		return
	}
	q := r.URL.Query()
	var key string
	var list []map[string]any
	switch r.URL.Path {
	case "/v2/clients":
		if a.mode == "throttled" && !a.throttled {
			a.throttled = true
			w.Header().Set("Retry-After", "15")
			curWrite(w, 429, `{"message": "Too Many Requests"}`)
			return
		}
		key = "clients"
		for _, c := range a.clients {
			if s := q.Get("updated_since"); s != "" && c["updated_at"].(string) < s {
				continue
			}
			list = append(list, c)
		}
	case "/v2/projects":
		key, list = "projects", a.projects
	default:
		curWrite(w, 404, `{"status": 404, "error": "Not Found"}`)
		return
	}
	per := min(curQueryInt(q, "per_page", 2000), 2000)
	from := 0
	if c := q.Get("cursor"); c != "" {
		raw, _ := base64.RawURLEncoding.DecodeString(c)
		var after int
		fmt.Sscanf(string(raw), `{"after":{"id":%d}}`, &after)
		for from < len(list) && list[from]["id"].(int) <= after {
			from++
		}
	} else if p := curQueryInt(q, "page", 1); p > 1 {
		from = (p - 1) * per
	}
	to := min(from+per, len(list))
	items := list[min(from, len(list)):to]
	if items == nil {
		items = []map[string]any{}
	}
	pages := max((len(list)+per-1)/per, 1)
	link := func(v url.Values) string {
		nq := url.Values{}
		for k, vs := range q {
			if k != "cursor" && k != "page" && k != "ref" {
				nq[k] = vs
			}
		}
		for k, vs := range v {
			nq[k] = vs
		}
		return "http://" + r.Host + r.URL.Path + "?" + nq.Encode()
	}
	first, last := from == 0, to >= len(list)
	links := map[string]any{"first": link(url.Values{"page": {"1"}, "ref": {"first"}}), "last": link(url.Values{"page": {fmt.Sprint(pages)}, "ref": {"last"}}), "next": nil, "previous": nil}
	body := map[string]any{key: items, "per_page": per, "total_pages": pages, "total_entries": len(list), "page": nil, "next_page": nil, "previous_page": nil}
	if first {
		body["page"] = 1
	}
	if last {
		body["page"] = pages
	}
	if !last {
		next := link(url.Values{"cursor": {harvestCursor(items[len(items)-1]["id"].(int))}, "ref": {"next_cursor"}})
		if a.mode == "elsewhere" && key == "projects" {
			next = a.other + strings.TrimPrefix(next, "http://"+r.Host)
		}
		links["next"] = next
		if first {
			body["next_page"] = 2
		}
	}
	if a.mode == "lost" && key == "clients" && last {
		body["total_entries"] = len(list) + 1
	}
	body["links"] = links
	curWrite(w, 200, curJSON(body))
	if a.mode == "deleted" && key == "clients" && first && !a.deleted {
		a.deleted = true
		a.clients = a.clients[1:]
	}
}

func (a *harvestAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var clients, projects []string
	for _, c := range a.clients {
		clients = append(clients, fmt.Sprintf("%v|%v|%v|%v|%v", c["id"], c["name"], c["is_active"], c["address"], c["currency"]))
	}
	for _, p := range a.projects {
		projects = append(projects, fmt.Sprintf("%v|%v|%v|100|%v|%v|%v", p["id"], p["code"], p["budget"], curNullable(p["fee"]), p["starts_on"], p["client"].(map[string]any)["name"]))
	}
	sort.Strings(clients)
	r.checkTable(t, `SELECT id, name, is_active, address, currency FROM clients ORDER BY id`, clients)
	r.checkTable(t, `SELECT id, code, budget, hourly_rate, fee, starts_on, client__name FROM projects ORDER BY id`, projects)
	r.checkTable(t, `SELECT DISTINCT typeof(budget), typeof(hourly_rate), typeof(starts_on) FROM projects`, []string{"real|real|text"})
	r.noSecret(t, harvestToken)
}

// TestHarvestClientsAndProjects: five clients and three projects two a
// page by links.next, a numbered first page then cursor URLs (page and
// next_page null between), with the account and User-Agent headers on
// every request; 100.0 (as Harvest writes it) stays a double, a date alone stays text.
func TestHarvestClientsAndProjects(t *testing.T) {
	api := newHarvestAPI("")
	r, _ := v13Serve(t, api, "harvest", "", harvestEnv())
	r.mustLoad(t)
	api.check(t, r)
	reqs := v13Locked(&api.mu, func() []string { return api.requests })
	sort.Strings(reqs)
	curSameRows(t, "requests", reqs, []string{
		"/v2/clients?cursor=" + harvestCursor(5735772) + "&per_page=2&ref=next_cursor&updated_since=2017-01-01T00%3A00%3A00Z",
		"/v2/clients?cursor=" + harvestCursor(5735774) + "&per_page=2&ref=next_cursor&updated_since=2017-01-01T00%3A00%3A00Z",
		"/v2/clients?per_page=2&updated_since=2017-01-01T00%3A00%3A00Z",
		"/v2/projects?cursor=" + harvestCursor(14308062) + "&per_page=2&ref=next_cursor",
		"/v2/projects?per_page=2",
	})
}

// TestHarvestClientsSecondRun: updated_since is inclusive, so the second
// run gets the client at the saved cursor again with the one updated
// since; the first is skipped as loaded, the second merged.
func TestHarvestClientsSecondRun(t *testing.T) {
	api := newHarvestAPI("")
	r, srvURL := v13Serve(t, api, "harvest", "", harvestEnv())
	r.mustLoad(t)
	api.mu.Lock()
	api.clients[2] = harvestClient(3, "2017-07-01T09:00:00Z")
	api.clients[2]["name"] = "123 Industries Renamed"
	api.requests = nil
	api.mu.Unlock()
	r2 := v13Run(t, "harvest", "", srvURL, r.db, harvestEnv())
	r2.mustLoad(t)
	api.check(t, r2)
	var clientReqs []string
	for _, q := range v13Locked(&api.mu, func() []string { return api.requests }) {
		if strings.HasPrefix(q, "/v2/clients") {
			clientReqs = append(clientReqs, q)
		}
	}
	curSameRows(t, "second run client requests", clientReqs, []string{"/v2/clients?per_page=2&updated_since=2017-06-25T21%3A34%3A30Z"})
	if got, want := r2.rep.Changes["clients"], (destinations.RowCounts{Updated: 1}); got != want {
		t.Errorf("second run clients %+v, want %+v", got, want)
	}
}

// TestHarvestThrottled: a 429 with Retry-After: 15 is waited out.
func TestHarvestThrottled(t *testing.T) {
	api := newHarvestAPI("throttled")
	var sleeps curSleeps
	r, _ := v13Serve(t, api, "harvest", "", harvestEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	if w := fmt.Sprint(sleeps.all()); w != "[15s]" {
		t.Errorf("waits %s, want [15s]", w)
	}
}

// TestHarvestHostile: a last page whose total_entries counts a client
// more than were served fails naming total_entries; a next link on
// another host fails naming client.allowed_hosts, that host getting
// nothing; nothing loaded either way.
func TestHarvestHostile(t *testing.T) {
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { curWrite(w, 200, `{"projects": []}`) }))
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"lost", rest.ErrMorePages, []string{`resource "clients"`, "total_entries"}},
		{"elsewhere", rest.ErrOutOfScope, []string{`resource "projects"`, "client.allowed_hosts"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newHarvestAPI(c.mode)
			api.other = other.srv.URL
			r, srvURL := v13Serve(t, api, "harvest", "", harvestEnv())
			r.failedClean(t, srvURL, c.sentinel, harvestToken, []string{"clients", "projects"}, c.parts...)
			t.Log(r.err)
		})
	}
	if n := other.requests(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

// TestHarvestByPageNumber: a newcomer who pages Harvest by its page
// numbers (page and total_pages in every answer; the docs advise the
// links, but page works) loads the same rows.
func TestHarvestByPageNumber(t *testing.T) {
	api := newHarvestAPI("")
	r, _ := v13Serve(t, api, "harvest", v13Spec(t, "harvest", "paginator: {type: json_link, next_url_path: links.next}", "paginator: {type: page_number, base_page: 1, total_path: total_pages}"), harvestEnv())
	r.mustLoad(t)
	api.check(t, r)
}

// TestHarvestDeletedMidPageWalk: paged by number, a client deleted after
// page 1 moves client 3 onto page 1, read already. With five clients
// total_pages drops from 3 to 2; with six it stays 3 while total_entries
// drops from 6 to 5. Either way the run fails naming the total that
// moved, rather than load all clients but one with exit 0.
func TestHarvestDeletedMidPageWalk(t *testing.T) {
	for _, c := range []struct {
		clients int
		field   string
	}{{5, "total_pages"}, {6, "total_entries"}} {
		t.Run(fmt.Sprint(c.clients), func(t *testing.T) {
			api := newHarvestAPI("deleted")
			for i := 6; i <= c.clients; i++ {
				api.clients = append(api.clients, harvestClient(i, fmt.Sprintf("2017-06-2%dT21:34:30Z", i)))
			}
			r, srvURL := v13Serve(t, api, "harvest", v13Spec(t, "harvest", "paginator: {type: json_link, next_url_path: links.next}", "paginator: {type: page_number, base_page: 1, total_path: total_pages}"), harvestEnv())
			r.failedClean(t, srvURL, nil, harvestToken, []string{"clients", "projects"}, `resource "clients"`, c.field)
			t.Log(r.err)
		})
	}
}

// TestHarvestDeletedMidCursorWalk: by the documented cursor links, the
// same deletion loses nothing: the cursor names the last client read, so
// clients 3 to 5 come next; the deleted client stays from page 1.
func TestHarvestDeletedMidCursorWalk(t *testing.T) {
	api := newHarvestAPI("deleted")
	r, _ := v13Serve(t, api, "harvest", "", harvestEnv())
	r.mustLoad(t)
	api.mu.Lock()
	api.clients = append([]map[string]any{harvestClient(1, "2017-06-21T21:34:30Z")}, api.clients...)
	api.mu.Unlock()
	api.check(t, r)
}

// TestHarvestSameSecondUpdate: Harvest writes updated_at to the second.
// A client changed again within the second the first run saw it, at the
// saved cursor itself, comes back in the second run (updated_since is
// inclusive) with new contents and the same updated_at: it is not the
// record the first run loaded at that value, so it must be merged, not
// skipped as already loaded.
func TestHarvestSameSecondUpdate(t *testing.T) {
	api := newHarvestAPI("")
	r, srvURL := v13Serve(t, api, "harvest", "", harvestEnv())
	r.mustLoad(t)
	api.mu.Lock()
	api.clients[4]["name"], api.clients[4]["is_active"] = "125 Industries (closed)", false
	api.mu.Unlock()
	r2 := v13Run(t, "harvest", "", srvURL, r.db, harvestEnv())
	r2.mustLoad(t)
	api.check(t, r2)
}
