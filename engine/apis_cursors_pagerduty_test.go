package engine_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const pagerdutyKey = "u+Gb7XyZ1pQ9sT4vW2kR"

// pagerdutyAPI serves GET /incidents and GET /services as PagerDuty
// documents classic pagination (https://developer.pagerduty.com/docs/pagination,
// https://developer.pagerduty.com/api-reference/9d0b4b12e36f9-list-incidents):
// "Authorization: Token token=<key>", offset (default 0) and limit
// (default 25, at most 100), {"incidents": [...], "offset", "limit",
// "more", "total"} with total null unless total=true; a bad key is a 401
// {"error": {"message": "Unauthorized", "code": 2006}}.
//
// mode: "shrink" (once the first page of incidents is served, its first
// two incidents are resolved and leave the triggered list, so later
// offsets shift), "grow" (a new incident is triggered at the top of the
// list), "more_past_total" (incidents say more: true on every page),
// "more_forever" (services say more: true on every page, empty ones too),
// "cap" (incidents say more: false at offset+limit 6, below the total, as
// classic pagination does at its offset cap of 10,000:
// https://developer.pagerduty.com/docs/pagination).
type pagerdutyAPI struct {
	mode      string
	mu        sync.Mutex
	requests  int
	badAuth   int
	incidents []map[string]any // the triggered incidents, as listed
	all       []map[string]any // every incident served at some point
	services  []map[string]any
	changed   bool
}

func newPagerdutyAPI(mode string) *pagerdutyAPI {
	a := &pagerdutyAPI{mode: mode}
	for i := 1; i <= 8; i++ {
		inc := map[string]any{
			"id": fmt.Sprintf("PT4KH%02d", i), "type": "incident", "incident_number": 1230 + i,
			"title": fmt.Sprintf("Disk %d%% full on db-%d", 80+i, i), "status": "triggered", "urgency": []string{"high", "low"}[i%2],
			"created_at":  fmt.Sprintf("2015-10-06T21:%02d:42Z", 30+i),
			"service":     map[string]any{"id": "PIJ90N7", "type": "service_reference", "summary": "My Mail Service"},
			"assignments": []map[string]any{{"at": "2015-11-10T00:31:52Z", "assignee": map[string]any{"id": fmt.Sprintf("PXPGF4%d", i%3), "type": "user_reference"}}},
		}
		a.incidents = append(a.incidents, inc)
	}
	a.all = a.incidents
	for i := 1; i <= 5; i++ {
		a.services = append(a.services, map[string]any{"id": fmt.Sprintf("PSVC%02d", i), "type": "service", "name": fmt.Sprintf("Service %d", i), "status": "active", "auto_resolve_timeout": nil, "acknowledgement_timeout": 600 * i})
	}
	return a
}

func (a *pagerdutyAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if r.Header.Get("Authorization") != "Token token="+pagerdutyKey {
		a.badAuth++
		curWrite(w, 401, `{"error":{"message":"Unauthorized","code":2006}}`)
		return
	}
	q := r.URL.Query()
	offset, limit := 0, 25
	offset = curQueryInt(q, "offset", offset)
	limit = curQueryInt(q, "limit", limit)
	if limit < 1 || limit > 100 || offset < 0 {
		curWrite(w, 400, `{"error":{"message":"Invalid Input Provided","code":2001,"errors":["Limit must be between 1 and 100"]}}`)
		return
	}
	key, list := "services", a.services
	if r.URL.Path == "/incidents" {
		key, list = "incidents", a.incidents
		if q.Get("statuses[]") != "triggered" {
			curWrite(w, 400, `{"error":{"message":"Invalid Input Provided","code":2001}}`)
			return
		}
	}
	end := min(offset+limit, len(list))
	page := list[min(offset, len(list)):end]
	var total any
	if q.Get("total") == "true" {
		total = len(list)
	}
	more := end < len(list)
	if a.mode == "cap" && key == "incidents" && offset+limit >= 6 {
		// Classic pagination stops at an offset cap (10,000 at PagerDuty,
		// 6 here) with more false, whatever the total says.
		more = false
	}
	if (a.mode == "more_past_total" && key == "incidents") || (a.mode == "more_forever" && key == "services") {
		more = true
	}
	curWrite(w, 200, curJSON(map[string]any{key: page, "limit": limit, "offset": offset, "more": more, "total": total}))
	if key == "incidents" && offset == 0 && !a.changed {
		a.changed = true
		switch a.mode {
		case "shrink":
			a.incidents = a.incidents[2:]
		case "grow":
			inc := map[string]any{"id": "PT4KH99", "type": "incident", "incident_number": 1299, "title": "New", "status": "triggered"}
			a.incidents = append([]map[string]any{inc}, a.incidents...)
			a.all = append(a.all, inc)
		}
	}
}

func (a *pagerdutyAPI) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv
}

func pagerdutyIncidentRows(incs []map[string]any) []string {
	var out []string
	for _, i := range incs {
		out = append(out, fmt.Sprintf("%s|%d|%s|%s|%s", i["id"], i["incident_number"], i["title"], i["urgency"], i["service"].(map[string]any)["id"]))
	}
	return out
}

const pagerdutyIncidentQuery = `SELECT id, incident_number, title, urgency, service__id FROM incidents ORDER BY id`

// TestPagerDutyClassicPagination: eight incidents in pages of three with
// total=true, five services in pages of two with total null, each walk
// ending on more: false; every value and assignment as served.
func TestPagerDutyClassicPagination(t *testing.T) {
	api := newPagerdutyAPI("")
	srv := api.server(t)
	r := curRunSpec(t, "pagerduty", srv.URL, filepath.Join(t.TempDir(), "pd.db"), map[string]string{"PAGERDUTY_TOKEN": pagerdutyKey})
	r.mustLoad(t)
	r.checkTable(t, pagerdutyIncidentQuery, pagerdutyIncidentRows(api.incidents))
	r.checkTable(t, `SELECT count(*), count(DISTINCT a._pipe_parent_id) FROM incidents__assignments a JOIN incidents i ON a._pipe_parent_id = i._pipe_id`, []string{"8|8"})
	r.checkTable(t, `SELECT id, name, acknowledgement_timeout FROM services ORDER BY id`, []string{
		"PSVC01|Service 1|600", "PSVC02|Service 2|1200", "PSVC03|Service 3|1800", "PSVC04|Service 4|2400", "PSVC05|Service 5|3000",
	})
	if api.requests != 3+3 || api.badAuth != 0 {
		t.Errorf("requests = %d (%d without the key), want 6", api.requests, api.badAuth)
	}
	r.noSecret(t, pagerdutyKey)
}

// TestPagerDutyMorePastTotal: more: true on the page that reaches the
// total makes pipe ask the next page, which is empty and still says
// more: the run fails (ErrMorePages) rather than guess which field lies.
func TestPagerDutyMorePastTotal(t *testing.T) {
	api := newPagerdutyAPI("more_past_total")
	srv := api.server(t)
	r := curRunSpec(t, "pagerduty", srv.URL, filepath.Join(t.TempDir(), "pd.db"), map[string]string{"PAGERDUTY_TOKEN": pagerdutyKey})
	r.mustFail(t, srv.URL, `resource "incidents": page 4: GET http://api.test/incidents?date_range=all&limit=3&offset=8&statuses%5B%5D=triggered&total=true`, `has_more_path "more" is true`)
	if !errors.Is(r.err, rest.ErrMorePages) {
		t.Errorf("err = %v, want ErrMorePages", r.err)
	}
	r.noRows(t, "incidents")
}

// TestPagerDutyHostile: more: true on an empty page of services, a total
// that shrinks or grows between pages of incidents (offsets shift:
// records would be skipped or read twice), and more: false below the
// total (an offset cap) fail the run, naming the resource, the URL and the
// field.
func TestPagerDutyHostile(t *testing.T) {
	for _, tt := range []struct {
		mode  string
		err   error
		parts []string
	}{
		{"more_forever", rest.ErrMorePages, []string{`resource "services": page 4: GET http://api.test/services?limit=2&offset=5`, `has_more_path "more" is true`}},
		{"shrink", rest.ErrShifted, []string{`resource "incidents": page 2: GET http://api.test/incidents?`, `offset=3`, `total_path "total" was 8 and is 6`}},
		{"grow", rest.ErrShifted, []string{`resource "incidents": page 2: GET http://api.test/incidents?`, `total_path "total" was 8 and is 9`}},
		{"cap", rest.ErrMorePages, []string{`resource "incidents": page 2: GET http://api.test/incidents?`, `has_more_path "more" is false at offset 3, but total_path "total" is 8 and 6 records were read`}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			api := newPagerdutyAPI(tt.mode)
			srv := api.server(t)
			r := curRunSpec(t, "pagerduty", srv.URL, filepath.Join(t.TempDir(), "pd.db"), map[string]string{"PAGERDUTY_TOKEN": pagerdutyKey})
			r.failedClean(t, srv.URL, tt.err, pagerdutyKey, []string{"incidents", "services"}, tt.parts...)
		})
	}
}

// pagerdutyParallel is the PagerDuty spec with incidents fetched two
// pages at a time.
func pagerdutyParallel(t *testing.T) string {
	text := strings.Replace(curTestdata(t, "pagerduty"), "has_more_path: more, total_path: total}", "has_more_path: more, total_path: total, parallel: 2}", 1)
	if !strings.Contains(text, "parallel: 2") {
		t.Fatal("no parallel in the spec variant")
	}
	return text
}

// TestPagerDutyParallelPages: with parallel: 2 the pages and their checks
// are those of the sequential walk: the data is exact, and a total that
// shrinks between pages fails the same way.
func TestPagerDutyParallelPages(t *testing.T) {
	api := newPagerdutyAPI("")
	srv := api.server(t)
	r := curRunText(t, "pagerduty", pagerdutyParallel(t), srv.URL, filepath.Join(t.TempDir(), "pd.db"), map[string]string{"PAGERDUTY_TOKEN": pagerdutyKey})
	r.mustLoad(t)
	r.checkTable(t, pagerdutyIncidentQuery, pagerdutyIncidentRows(api.incidents))

	api = newPagerdutyAPI("shrink")
	srv = api.server(t)
	r = curRunText(t, "pagerduty", pagerdutyParallel(t), srv.URL, filepath.Join(t.TempDir(), "pd.db"), map[string]string{"PAGERDUTY_TOKEN": pagerdutyKey})
	r.mustFail(t, srv.URL, `resource "incidents": page 2:`, `total_path "total" was 8 and is 6`)
	if !errors.Is(r.err, rest.ErrShifted) {
		t.Errorf("err = %v, want ErrShifted", r.err)
	}
}

// TestPagerDutyParallelMorePastTotal: more: true on the page that reaches
// the total must lead to the next page, as in the sequential walk.
func TestPagerDutyParallelMorePastTotal(t *testing.T) {
	api := newPagerdutyAPI("more_past_total")
	srv := api.server(t)
	r := curRunText(t, "pagerduty", pagerdutyParallel(t), srv.URL, filepath.Join(t.TempDir(), "pd.db"), map[string]string{"PAGERDUTY_TOKEN": pagerdutyKey})
	r.mustFail(t, srv.URL, `resource "incidents": page 4:`, `has_more_path "more" is true`)
	r.noRows(t, "incidents")
}

// TestPagerDutyTotalNotAskedFor: PagerDuty sends "total": null unless
// total=true is asked for; a spec with total_path but without the
// parameter fails on the first page naming the field and the fix.
func TestPagerDutyTotalNotAskedFor(t *testing.T) {
	api := newPagerdutyAPI("")
	srv := api.server(t)
	text := strings.Replace(curTestdata(t, "pagerduty"), `params: {total: true, "statuses[]": triggered`, `params: {"statuses[]": triggered`, 1)
	r := curRunText(t, "pagerduty", text, srv.URL, filepath.Join(t.TempDir(), "pd.db"), map[string]string{"PAGERDUTY_TOKEN": pagerdutyKey})
	r.mustFail(t, srv.URL, `resource "incidents": page 1: GET http://api.test/incidents?date_range=all&limit=3&offset=0&statuses%5B%5D=triggered`, `total_path "total" is null`, "drop total_path")
	r.noRows(t, "incidents")
}

// TestPagerDutyWithoutPaginator: detection never guesses offset, so the
// spec without paginators (asking 3 incidents a page) fails on the first
// page, naming "more" and the paginator to set, instead of loading one
// page.
func TestPagerDutyWithoutPaginator(t *testing.T) {
	api := newPagerdutyAPI("")
	srv := api.server(t)
	text := curTestdata(t, "pagerduty")
	text = strings.Replace(text, "      paginator: {type: offset, limit: 3, has_more_path: more, total_path: total}\n", "", 1)
	text = strings.Replace(text, "      paginator: {type: offset, limit: 2, has_more_path: more}\n", "", 1)
	text = strings.Replace(text, `params: {total: true,`, `params: {limit: 3, total: true,`, 1)
	if strings.Contains(text, "paginator:") || !strings.Contains(text, "limit: 3") {
		t.Fatal("the spec variant still has a paginator, or no limit")
	}
	r := curRunText(t, "pagerduty", text, srv.URL, filepath.Join(t.TempDir(), "pd.db"), map[string]string{"PAGERDUTY_TOKEN": pagerdutyKey})
	r.mustFail(t, srv.URL, `resource "incidents": page 1: GET http://api.test/incidents?`, `auto: body "more" is true`, "offset with limit and total_path")
	if !errors.Is(r.err, rest.ErrMorePages) {
		t.Errorf("err = %v, want ErrMorePages", r.err)
	}
	r.noRows(t, "incidents", "services")
}
