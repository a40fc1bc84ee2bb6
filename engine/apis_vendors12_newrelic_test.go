package engine_test

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
)

const newrelicKey = "NRAK-7QX2B9K4M1ZP8D3W6F0JHT5RYV"

func newrelicEnv() map[string]string { return map[string]string{"NEW_RELIC_API_KEY": newrelicKey} }

// newrelicAPI serves GET /v2/applications.json and
// /v2/applications/{id}/hosts.json as New Relic documents them
// (https://docs.newrelic.com/docs/apis/rest-api-v2/get-started/introduction-new-relic-rest-api-v2/,
// https://docs.newrelic.com/docs/apis/rest-api-v2/requirements/pagination-api-output/,
// https://docs.newrelic.com/docs/apis/rest-api-v2/application-examples-v2/list-your-app-id-metric-data-v2/):
// an API key in X-Api-Key (401 {"error": {"title": "The API key
// provided is invalid"}} otherwise); page=N (from 1), a fixed page size
// (200; here 2); {"applications": [...], "links": {...}}; a Link header
// `<...?page=N+1>; rel="next", <...?page=M>; rel="last"` while pages
// follow, none on the last.
//
// mode: "deleted" (the first application is deleted once the first page
// of applications is served, so the others move back one place).
type newrelicAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	deleted  bool
	apps     []map[string]any
	hosts    map[int][]map[string]any
}

func newNewRelicAPI(mode string) *newrelicAPI {
	a := &newrelicAPI{mode: mode, hosts: map[int][]map[string]any{}}
	for i := 1; i <= 5; i++ {
		id := 1622000 + i
		a.apps = append(a.apps, map[string]any{
			"id": id, "name": fmt.Sprintf("checkout-%d", i), "language": "java", "health_status": "green", "reporting": true,
			"last_reported_at":    fmt.Sprintf("2024-06-0%dT12:00:00+00:00", i),
			"application_summary": map[string]any{"response_time": 12.5 + float64(i), "throughput": 100 * i, "error_rate": 0.0, "apdex_target": 0.5, "apdex_score": 1.0, "host_count": i % 3, "instance_count": i % 3},
			"settings":            map[string]any{"app_apdex_threshold": 0.5, "end_user_apdex_threshold": 7.0, "enable_real_user_monitoring": true, "use_server_side_config": false},
			"links":               map[string]any{"servers": []int{}, "application_hosts": []int{}, "application_instances": []int{}, "alert_policy": 12345},
		})
		for h := 1; h <= i%3; h++ {
			a.hosts[id] = append(a.hosts[id], map[string]any{
				"id": 5000000 + 10*i + h, "application_name": fmt.Sprintf("checkout-%d", i), "host": fmt.Sprintf("ip-10-0-%d-%d", i, h), "language": "java", "health_status": "green",
				"application_summary": map[string]any{"response_time": 10.1, "throughput": 50, "error_rate": 0.0, "apdex_score": 1.0, "instance_count": 1},
				"links":               map[string]any{"application": id, "application_instances": []int{}, "server": 777000 + h},
			})
		}
	}
	return a
}

func (a *newrelicAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("X-Api-Key") != newrelicKey {
		curWrite(w, 401, `{"error": {"title": "The API key provided is invalid"}}`)
		return
	}
	var key string
	var list []map[string]any
	var appID int
	switch {
	case r.URL.Path == "/v2/applications.json":
		key, list = "applications", a.apps
	case fmt.Sprint(sscanf(r.URL.Path, "/v2/applications/%d/hosts.json", &appID)) == "1":
		key, list = "application_hosts", a.hosts[appID]
	default:
		curWrite(w, 404, `{"error": {"title": "Resource not found"}}`)
		return
	}
	page := max(curQueryInt(r.URL.Query(), "page", 1), 1)
	const size = 2
	last := max((len(list)+size-1)/size, 1)
	from, to := min((page-1)*size, len(list)), min(page*size, len(list))
	if page < last {
		u := "http://" + r.Host + r.URL.Path + "?page="
		w.Header().Set("Link", fmt.Sprintf(`<%s%d>; rel="next", <%s%d>; rel="last"`, u, page+1, u, last))
	}
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	curWrite(w, 200, curJSON(map[string]any{key: items, "links": map[string]any{key + ".servers": "/v2/servers?ids={server_ids}"}}))
	if a.mode == "deleted" && key == "applications" && page == 1 && !a.deleted {
		a.deleted = true
		a.apps = a.apps[1:]
	}
}

// sscanf returns how many values fmt.Sscanf read from s.
func sscanf(s, format string, args ...any) int {
	n, _ := fmt.Sscanf(s, format, args...)
	return n
}

const (
	newrelicAppQuery  = `SELECT id, name, health_status, application_summary__response_time, application_summary__throughput, settings__app_apdex_threshold FROM applications ORDER BY id`
	newrelicHostQuery = `SELECT _applications_id, id, host, links__server FROM application_hosts ORDER BY id`
)

func (a *newrelicAPI) check(t *testing.T, r curRun, apps []map[string]any) {
	t.Helper()
	var want, hosts []string
	for _, app := range apps {
		s := app["application_summary"].(map[string]any)
		want = append(want, fmt.Sprintf("%v|%v|green|%v|%v|0.5", app["id"], app["name"], s["response_time"], s["throughput"]))
		for _, h := range a.hosts[app["id"].(int)] {
			hosts = append(hosts, fmt.Sprintf("%v|%v|%v|%v", app["id"], h["id"], h["host"], h["links"].(map[string]any)["server"]))
		}
	}
	sort.Strings(hosts)
	r.checkTable(t, newrelicAppQuery, want)
	r.checkTable(t, newrelicHostQuery, hosts)
	r.noSecret(t, newrelicKey)
}

// TestNewRelicApplications: five applications two a page by the Link
// header's rel="next", each application's hosts (0 to 2) by its own.
func TestNewRelicApplications(t *testing.T) {
	api := newNewRelicAPI("")
	r, _ := curServe(t, api, "newrelic", "", newrelicEnv())
	r.mustLoad(t)
	api.check(t, r, api.apps)
	if api.requests != 3+5 {
		t.Errorf("%d requests, want 8", api.requests)
	}
}

// TestNewRelicDeletedMidWalk: the first application is deleted after
// page 1 of 3 is served; the others move back one place, so page 2 holds
// the fourth and fifth and says it is the last (no Link header), and the
// third application is on no page read. The first page's rel="last" said
// 3 pages; the walk ended at 2: the run must fail rather than load 4 of
// the 5 applications that existed (or 3 of the 4 that remain) and exit 0.
// pipe loads applications 1, 2, 4 and 5 and exits 0.
func TestNewRelicDeletedMidWalk(t *testing.T) {
	api := newNewRelicAPI("deleted")
	all := api.apps
	r, srvURL := curServe(t, api, "newrelic", "", newrelicEnv())
	if r.err == nil {
		t.Logf("loaded; applications 3 (%v) missed", all[2]["id"])
	}
	r.failedClean(t, srvURL, nil, newrelicKey, []string{"applications", "application_hosts"}, `resource "applications"`, `rel="last"`)
}
