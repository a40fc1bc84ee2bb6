package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

const cloudflareToken = "Y4nK3y-cF_abcdefghijklmnopqrstuvwxyz012345"

// cloudflareAPI serves GET /client/v4/zones and
// /client/v4/zones/{id}/dns_records as Cloudflare documents them
// (https://developers.cloudflare.com/fundamentals/api/how-to/make-api-calls/,
// https://developers.cloudflare.com/api/resources/zones/methods/list/,
// https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/):
// a bearer token, else 400 {"success": false, "errors": [{"code": 6003,
// …}]}; page (from 1) and per_page; {"success": true, "errors": [],
// "messages": [], "result": [...], "result_info": {"page", "per_page",
// "count", "total_count", "total_pages"}}; a page past the last holds
// "result": [].
//
// mode, all on the second page of the first zone's records:
// "error-null" ({"success": false, "errors": [{"code": 10000, …}],
// "result": null} on a 200), "error-empty" (the same with "result": []),
// "success-false" ("success": false, "errors": [] and "result": [], the
// reason only in messages), "grown" (a record is added before the page:
// total_count and total_pages grow), "short" (total_pages says one more
// page than there is: the page after the last holds "result": []),
// "cut-once" (the page's chunked stream stops halfway once), "cut-always"
// (every time), "cut-framed" (a body cut halfway sent with a
// Content-Length that matches it: JSON cut short).
type cloudflareAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	badAuth  int
	grown    bool
	cuts     int
	zones    []map[string]any
	records  map[string][]map[string]any
}

func newCloudflareAPI(mode string) *cloudflareAPI {
	a := &cloudflareAPI{mode: mode, records: map[string][]map[string]any{}}
	for z, n := range []int{7, 1, 0} {
		id := fmt.Sprintf("023e105f4ecef8ad9ca31a8372d0c35%d", z)
		name := fmt.Sprintf("example%d.com", z)
		a.zones = append(a.zones, map[string]any{
			"id": id, "name": name, "status": "active", "paused": false, "type": "full",
			"name_servers": []string{"bob.ns.cloudflare.com", "lola.ns.cloudflare.com"},
			"account":      map[string]any{"id": "01a7362d577a6c3019a474fd6f485823", "name": "Demo Account"},
			"created_on":   "2014-01-01T05:20:00.12345Z", "modified_on": "2014-01-01T05:20:00.12345Z",
		})
		for i := 1; i <= n; i++ {
			r := map[string]any{
				"id": fmt.Sprintf("372e67954025e0ba6aaa6d586b9e0b5%d%d", z, i), "zone_id": id, "zone_name": name,
				"name": fmt.Sprintf("r%d.%s", i, name), "type": "A", "content": fmt.Sprintf("198.51.100.%d", i),
				"proxiable": true, "proxied": i%2 == 0, "ttl": 1, "locked": false, "comment": nil, "tags": []string{},
				"meta":       map[string]any{"auto_added": false, "source": "primary"},
				"created_on": fmt.Sprintf("2024-01-0%dT05:20:00.12345Z", i), "modified_on": fmt.Sprintf("2024-02-0%dT05:20:00.12345Z", i),
			}
			if i == 3 {
				r["type"], r["content"], r["priority"], r["ttl"] = "MX", "mx."+name, 10, 3600
				r["tags"] = []string{"owner:dns-team", "env:prod"}
			}
			a.records[id] = append(a.records[id], r)
		}
	}
	return a
}

func (a *cloudflareAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if !curBearer(r, cloudflareToken) {
		a.badAuth++
		curWrite(w, 400, `{"success":false,"errors":[{"code":6003,"message":"Invalid request headers","error_chain":[{"code":6111,"message":"Invalid format for Authorization header"}]}],"messages":[],"result":null}`)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/client/v4/")
	q := r.URL.Query()
	page, perPage := curQueryInt(q, "page", 1), curQueryInt(q, "per_page", 20)
	var list []map[string]any
	zone := ""
	switch {
	case path == "zones":
		list = a.zones
	case strings.HasPrefix(path, "zones/") && strings.HasSuffix(path, "/dns_records"):
		zone = strings.TrimSuffix(strings.TrimPrefix(path, "zones/"), "/dns_records")
		list = a.records[zone]
	default:
		curWrite(w, 404, `{"success":false,"errors":[{"code":7003,"message":"Could not route to /client/v4/`+path+`, perhaps your object identifier is invalid?"}],"messages":[],"result":null}`)
		return
	}
	if zone == a.zones[0]["id"] && page == 2 {
		switch a.mode {
		case "error-null":
			curWrite(w, 200, `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}`)
			return
		case "error-empty":
			curWrite(w, 200, `{"success":false,"errors":[{"code":1000,"message":"Internal error"}],"messages":[],"result":[]}`)
			return
		case "success-false":
			curWrite(w, 200, `{"success":false,"errors":[],"messages":[{"code":1001,"message":"Service temporarily unavailable, please retry"}],"result":[]}`)
			return
		case "grown":
			if !a.grown {
				a.grown = true
				extra := map[string]any{"id": "372e67954025e0ba6aaa6d586b9e0b5000", "zone_id": zone, "name": "new." + a.zones[0]["name"].(string), "type": "TXT", "content": "v=spf1 -all", "ttl": 1}
				a.records[zone] = append([]map[string]any{extra}, a.records[zone]...)
				list = a.records[zone]
			}
		}
	}
	from := min((page-1)*perPage, len(list))
	to := min(from+perPage, len(list))
	pages := (len(list) + perPage - 1) / perPage
	if a.mode == "short" && zone == a.zones[0]["id"] {
		pages++
	}
	result := list[from:to]
	if result == nil {
		result = []map[string]any{}
	}
	body := curJSON(map[string]any{"success": true, "errors": []any{}, "messages": []any{}, "result": result,
		"result_info": map[string]any{"page": page, "per_page": perPage, "count": len(result), "total_count": len(list), "total_pages": pages}})
	if zone == a.zones[0]["id"] && page == 2 {
		switch {
		case a.mode == "cut-once" && a.cuts == 0, a.mode == "cut-always":
			a.cuts++
			cutChunked(w, body, len(body)/2) // the stream stops mid-body
			return
		case a.mode == "cut-framed":
			curWrite(w, 200, body[:len(body)/2]) // framed as whole, cut in the JSON
			return
		}
	}
	curWrite(w, 200, body)
}

func cloudflareEnv() map[string]string {
	return map[string]string{"CLOUDFLARE_API_TOKEN": cloudflareToken}
}

const (
	cloudflareZoneQuery   = `SELECT id, name, account__name, created_on FROM zones ORDER BY id`
	cloudflareRecordQuery = `SELECT _zones_name, id, name, type, content, proxied, ttl, priority, meta__source FROM dns_records ORDER BY id`
	cloudflareTagQuery    = `SELECT r.id, t.value FROM dns_records r JOIN dns_records__tags t ON t._pipe_parent_id = r._pipe_id ORDER BY r.id, t._pipe_list_idx`
)

// check compares the tables with what the fake served.
func (a *cloudflareAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var zones, records, tags []string
	for _, z := range a.zones {
		zones = append(zones, fmt.Sprintf("%v|%v|Demo Account|2014-01-01 05:20:00.12345 +0000 UTC", z["id"], z["name"]))
		for _, rec := range a.records[z["id"].(string)] {
			prio := "<nil>"
			if p, ok := rec["priority"]; ok {
				prio = fmt.Sprint(p)
			}
			records = append(records, fmt.Sprintf("%v|%v|%v|%v|%v|%v|%v|%s|primary", z["name"], rec["id"], rec["name"], rec["type"], rec["content"], rec["proxied"], rec["ttl"], prio))
			for _, tag := range rec["tags"].([]string) {
				tags = append(tags, fmt.Sprintf("%v|%s", rec["id"], tag))
			}
		}
	}
	r.checkTable(t, cloudflareZoneQuery, zones)
	r.checkTable(t, cloudflareRecordQuery, records)
	r.checkTable(t, cloudflareTagQuery, tags)
	r.noSecret(t, cloudflareToken)
}

// TestCloudflareZonesAndRecords: three zones in pages of two (total_pages
// 2), their 7, 1 and 0 DNS records in pages of three (pages 1 to 3; 1; 1
// with "result": [] and total_pages 0); every value as served, an MX
// record's priority beside NULL for the others, tags as a child table.
func TestCloudflareZonesAndRecords(t *testing.T) {
	api := newCloudflareAPI("")
	r, _ := curServe(t, api, "cloudflare", "", cloudflareEnv())
	r.mustLoad(t)
	api.check(t, r)
	if api.requests != 2+3+1+1 || api.badAuth != 0 {
		t.Errorf("%d requests (%d without the token), want 7 (0)", api.requests, api.badAuth)
	}
}

// TestCloudflareHostile: an answer that says it failed, on a 200, and
// totals that move or promise a page that is empty, each fail the run
// with nothing loaded.
func TestCloudflareHostile(t *testing.T) {
	page2 := "/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c350/dns_records?page=2&per_page=3"
	for _, c := range []struct {
		mode  string
		parts []string
	}{
		{"error-null", []string{`resource "dns_records": page 2: GET http://api.test` + page2, `"errors" is array [{"code":10000`}},
		{"error-empty", []string{`resource "dns_records": page 2: GET http://api.test` + page2, `"errors" is array [{"code":1000,"message":"Internal error"`}},
		{"short", []string{`resource "dns_records"`, "page=4", "base_page"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newCloudflareAPI(c.mode)
			r, srvURL := curServe(t, api, "cloudflare", "", cloudflareEnv())
			r.failedClean(t, srvURL, nil, cloudflareToken, []string{"zones", "dns_records"}, c.parts...)
			t.Log(r.err)
		})
	}
}

// TestCloudflareRecordAddedMidWalk: a record added before the second page
// of a zone's records moves the others one place on (total_count 7 then
// 8, total_pages 3 both times): the walk reads one record twice and
// misses the new one, so the run must fail naming result_info.total_count,
// as it does for a total_count at the top level.
func TestCloudflareRecordAddedMidWalk(t *testing.T) {
	api := newCloudflareAPI("grown")
	r, srvURL := curServe(t, api, "cloudflare", "", cloudflareEnv())
	r.failedClean(t, srvURL, nil, cloudflareToken, []string{"zones", "dns_records"}, `resource "dns_records": page 2`,
		"/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c350/dns_records?page=2&per_page=3", `"result_info.total_count" was 7 and is 8`)
}

// TestCloudflareSuccessFalse: "success": false on a 200 with an empty
// errors list and "result": [] (the reason in messages) is no page of
// zero records. With total_path the run fails (the total is missing);
// without it (page_number ends on an empty page) the run must fail too,
// naming success, rather than end the walk there and load the first
// page alone.
func TestCloudflareSuccessFalse(t *testing.T) {
	t.Run("total_path", func(t *testing.T) {
		api := newCloudflareAPI("success-false")
		r, srvURL := curServe(t, api, "cloudflare", "", cloudflareEnv())
		r.failedClean(t, srvURL, nil, cloudflareToken, []string{"zones", "dns_records"}, `resource "dns_records": page 2`, "/dns_records?page=2&per_page=3")
	})
	t.Run("no total_path", func(t *testing.T) {
		text := curEdited(t, "cloudflare", ", total_path: result_info.total_pages", "")
		api := newCloudflareAPI("success-false")
		r, srvURL := curServe(t, api, "cloudflare", text, cloudflareEnv())
		r.failedClean(t, srvURL, nil, cloudflareToken, []string{"zones", "dns_records"}, `resource "dns_records": page 2`, "success")
	})
}

// TestCloudflareCutBodies: a page whose stream stops halfway is asked
// again and the load is exact; one that always stops fails after
// client.retry.max_attempts; a body cut in its JSON but framed as whole
// fails naming the page. Nothing is loaded from a failed run.
func TestCloudflareCutBodies(t *testing.T) {
	page2 := "/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c350/dns_records?page=2&per_page=3"
	t.Run("cut-once", func(t *testing.T) {
		api := newCloudflareAPI("cut-once")
		r, _ := curServe(t, api, "cloudflare", "", cloudflareEnv())
		r.mustLoad(t)
		api.check(t, r)
	})
	for _, c := range []struct {
		mode  string
		parts []string
	}{
		{"cut-always", []string{`resource "dns_records": page 2: GET http://api.test` + page2, "client.retry.max_attempts"}},
		{"cut-framed", []string{`resource "dns_records": page 2: GET http://api.test` + page2, "not JSON"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newCloudflareAPI(c.mode)
			r, srvURL := curServe(t, api, "cloudflare", "", cloudflareEnv())
			r.failedClean(t, srvURL, nil, cloudflareToken, []string{"zones", "dns_records"}, c.parts...)
			t.Log(r.err)
		})
	}
}
