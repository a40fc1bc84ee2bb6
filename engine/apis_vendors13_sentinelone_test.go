package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const s1Token = "eyJraWQiOiJ1cy1lYXN0LTEtcHJvZC0wIiwiYWxnIjoiRVMyNTYifQ.s1-test-token"

func s1Env() map[string]string { return map[string]string{"SENTINELONE_API_TOKEN": s1Token} }

// s1API serves GET /web/api/v2.1/threats as SentinelOne's Management API
// documents it (the console's api-doc, as quoted by
// https://mcp.waymark.network/r/f04dbbbb-6cc2-4fe9-9a05-8a5d9164cce5 and
// https://labs.cosmicbytez.ca/howtos/sentinelone-sentinelone-powershell-api-automation):
// "Authorization: ApiToken <token>" (401 {"errors": [{"code": 4010010,
// "detail": null, "title": "Authentication Failed"}]} otherwise); limit
// (default 10, at most 1000), cursor (an opaque base64 token),
// updatedAt__gt, sortBy/sortOrder; {"data": [...], "pagination":
// {"nextCursor": ..., "totalItems": N}}, nextCursor null on the last page;
// ids are 19-digit strings, times have microseconds.
//
// mode: "repeat" (the second page's nextCursor is the first page's),
// "lost" (the last page says nextCursor null while totalItems counts one
// threat more than served), "error200" (the second page is {"errors":
// [...], "data": []} on a 200).
type s1API struct {
	mode     string
	mu       sync.Mutex
	threats  []map[string]any
	requests []string
}

func s1Threat(i int, updated string) map[string]any {
	return map[string]any{
		"id": fmt.Sprintf("18%017d", 4400000+i), "agentDetectionInfo": map[string]any{"agentVersion": "23.4.2.14", "siteName": "Default site"},
		"agentRealtimeInfo": map[string]any{"agentComputerName": fmt.Sprintf("WS-%03d", i), "agentOsType": "windows", "agentMachineType": "desktop"},
		"threatInfo": map[string]any{
			"threatName": fmt.Sprintf("malware%d.exe", i), "sha256": strings.Repeat(fmt.Sprint(i%10), 64), "confidenceLevel": []string{"malicious", "suspicious"}[i%2],
			"mitigationStatus": "mitigated", "classification": "Malware", "createdAt": fmt.Sprintf("2024-02-0%dT08:00:00.000000Z", i), "updatedAt": updated,
			"fileSize": 1024 * i,
		},
		"indicators":       []map[string]any{{"category": "Persistence", "description": "Registry run key created", "ids": []int{40, 41 + i}}},
		"mitigationStatus": []map[string]any{{"action": "kill", "status": "success"}, {"action": "quarantine", "status": "success"}},
		"whiteningOptions": []string{"hash", "path"},
	}
}

func newS1API(mode string) *s1API {
	a := &s1API{mode: mode}
	for i := 1; i <= 5; i++ {
		a.threats = append(a.threats, s1Threat(i, fmt.Sprintf("2024-03-0%dT10:00:00.%06dZ", i, 123456+i)))
	}
	return a
}

func s1Cursor(id string) string { return base64.StdEncoding.EncodeToString([]byte("id:" + id)) }

func (a *s1API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.RawQuery)
	if r.Header.Get("Authorization") != "ApiToken "+s1Token {
		curWrite(w, 401, `{"errors": [{"code": 4010010, "detail": null, "title": "Authentication Failed"}]}`)
		return
	}
	if r.URL.Path != "/web/api/v2.1/threats" {
		curWrite(w, 404, `{"errors": [{"code": 4040010, "detail": null, "title": "Resource not found"}]}`)
		return
	}
	q := r.URL.Query()
	var list []map[string]any
	for _, th := range a.threats {
		if since := q.Get("updatedAt__gt"); since != "" {
			t1, err1 := time.Parse(time.RFC3339Nano, th["threatInfo"].(map[string]any)["updatedAt"].(string))
			t0, err0 := time.Parse(time.RFC3339Nano, since)
			if err0 != nil || err1 != nil {
				curWrite(w, 400, `{"errors": [{"code": 4000010, "detail": "updatedAt__gt: not a valid datetime", "title": "Validation Error"}]}`)
				return
			}
			if !t1.After(t0) {
				continue
			}
		}
		list = append(list, th)
	}
	sort.SliceStable(list, func(i, j int) bool {
		return list[i]["threatInfo"].(map[string]any)["updatedAt"].(string) < list[j]["threatInfo"].(map[string]any)["updatedAt"].(string)
	})
	limit := min(curQueryInt(q, "limit", 10), 1000)
	from := 0
	if c := q.Get("cursor"); c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		if err != nil {
			curWrite(w, 400, `{"errors": [{"code": 4000010, "detail": "cursor: invalid", "title": "Validation Error"}]}`)
			return
		}
		for i, th := range list {
			if "id:"+th["id"].(string) == string(raw) {
				from = i + 1
			}
		}
	}
	to := min(from+limit, len(list))
	page := list[from:to]
	if page == nil {
		page = []map[string]any{}
	}
	total := len(list)
	var next any
	if to < len(list) {
		next = s1Cursor(list[to-1]["id"].(string))
	}
	switch {
	case a.mode == "repeat" && from > 0:
		next = s1Cursor(list[limit-1]["id"].(string))
	case a.mode == "lost":
		total++
	case a.mode == "error200" && from > 0:
		curWrite(w, 200, `{"errors": [{"code": 5000010, "detail": "Query timed out", "title": "Server Error"}], "data": [], "pagination": {"nextCursor": null, "totalItems": 0}}`)
		return
	}
	curWrite(w, 200, curJSON(map[string]any{"data": page, "pagination": map[string]any{"nextCursor": next, "totalItems": total}}))
}

func (a *s1API) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var threats, indicators, ids, mitigations []string
	for _, th := range a.threats {
		info, agent := th["threatInfo"].(map[string]any), th["agentRealtimeInfo"].(map[string]any)
		up, _ := time.Parse(time.RFC3339Nano, info["updatedAt"].(string))
		threats = append(threats, fmt.Sprintf("%v|%v|%v|%v|%v|%v", th["id"], info["threatName"], info["confidenceLevel"], info["fileSize"], agent["agentComputerName"], fmt.Sprint(up.UTC())))
		for _, in := range th["indicators"].([]map[string]any) {
			indicators = append(indicators, fmt.Sprintf("%v|%v|%v", th["id"], in["category"], in["description"]))
			for _, n := range in["ids"].([]int) {
				ids = append(ids, fmt.Sprintf("%v|%d", th["id"], n))
			}
		}
		for _, m := range th["mitigationStatus"].([]map[string]any) {
			mitigations = append(mitigations, fmt.Sprintf("%v|%v|%v", th["id"], m["action"], m["status"]))
		}
	}
	sort.Strings(threats)
	sort.Strings(ids)
	r.checkTable(t, `SELECT id, threat_info__threat_name, threat_info__confidence_level, threat_info__file_size, agent_realtime_info__agent_computer_name, threat_info__updated_at FROM threats ORDER BY id`, threats)
	r.checkTable(t, `SELECT t.id, i.category, i.description FROM threats t JOIN threats__indicators i ON i._pipe_parent_id = t._pipe_id ORDER BY t.id`, indicators)
	r.checkTable(t, `SELECT t.id, n.value FROM threats t JOIN threats__indicators i ON i._pipe_parent_id = t._pipe_id JOIN threats__indicators__ids n ON n._pipe_parent_id = i._pipe_id ORDER BY t.id, n.value`, ids)
	r.checkTable(t, `SELECT t.id, m.action, m.status FROM threats t JOIN threats__mitigation_status m ON m._pipe_parent_id = t._pipe_id ORDER BY t.id, m._pipe_list_idx`, mitigations)
	r.noSecret(t, s1Token)
}

// TestSentinelOneThreats: five threats two a page by pagination.nextCursor,
// nested indicators (with their ids) and mitigation statuses as child
// tables, 19-digit string ids kept as text, microsecond times exact.
func TestSentinelOneThreats(t *testing.T) {
	api := newS1API("")
	r, _ := v13Serve(t, api, "sentinelone", "", s1Env())
	r.mustLoad(t)
	api.check(t, r)
	want := []string{
		"limit=2&sortBy=updatedAt&sortOrder=asc&updatedAt__gt=2024-01-01T00%3A00%3A00.000000Z",
		"cursor=" + strings.ReplaceAll(s1Cursor(api.threats[1]["id"].(string)), "=", "%3D") + "&limit=2&sortBy=updatedAt&sortOrder=asc&updatedAt__gt=2024-01-01T00%3A00%3A00.000000Z",
		"cursor=" + strings.ReplaceAll(s1Cursor(api.threats[3]["id"].(string)), "=", "%3D") + "&limit=2&sortBy=updatedAt&sortOrder=asc&updatedAt__gt=2024-01-01T00%3A00%3A00.000000Z",
	}
	curSameRows(t, "requests", v13Locked(&api.mu, func() []string { return api.requests }), want)
}

// TestSentinelOneThreatsSecondRun: a second run asks updatedAt__gt the
// largest updatedAt loaded (microseconds as written) and merges the one
// threat updated and the one detected since; nothing else is asked for.
func TestSentinelOneThreatsSecondRun(t *testing.T) {
	api := newS1API("")
	r, srvURL := v13Serve(t, api, "sentinelone", "", s1Env())
	r.mustLoad(t)
	api.mu.Lock()
	api.threats[1]["threatInfo"].(map[string]any)["mitigationStatus"] = "marked_as_benign"
	api.threats[1]["threatInfo"].(map[string]any)["updatedAt"] = "2024-03-09T10:00:00.000001Z"
	api.threats[1]["threatInfo"].(map[string]any)["confidenceLevel"] = "benign"
	api.threats = append(api.threats, s1Threat(6, "2024-03-09T11:00:00.500000Z"))
	api.requests = nil
	api.mu.Unlock()
	r2 := v13Run(t, "sentinelone", "", srvURL, r.db, s1Env())
	r2.mustLoad(t)
	api.check(t, r2)
	curSameRows(t, "second run requests", v13Locked(&api.mu, func() []string { return api.requests }), []string{"limit=2&sortBy=updatedAt&sortOrder=asc&updatedAt__gt=2024-03-05T10%3A00%3A00.123461Z"})
	r2.checkTable(t, `SELECT count(*) FROM threats WHERE _pipe_load_id = '`+r2.rep.LoadID+`'`, []string{"2"})
}

// TestSentinelOneHostile: a nextCursor that leads back to a page read
// fails naming the cursor settings; a last page whose totalItems counts
// more threats than were served fails naming totalItems; an errors array
// on a 200 fails naming it; each with nothing loaded and the token nowhere.
func TestSentinelOneHostile(t *testing.T) {
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"repeat", nil, []string{`resource "threats"`, "pagination.nextCursor", "cursor"}},
		{"lost", rest.ErrMorePages, []string{`resource "threats"`, "pagination.totalItems"}},
		{"error200", nil, []string{`resource "threats"`, `body "errors"`, "5000010"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newS1API(c.mode)
			r, srvURL := v13Serve(t, api, "sentinelone", "", s1Env())
			r.failedClean(t, srvURL, c.sentinel, s1Token, []string{"threats"}, c.parts...)
			t.Log(r.err)
		})
	}
}

// TestSentinelOneBadToken: a 401 with SentinelOne's errors body fails at
// once naming the status and its title, never the token.
func TestSentinelOneBadToken(t *testing.T) {
	api := newS1API("")
	r, srvURL := v13Serve(t, api, "sentinelone", "", map[string]string{"SENTINELONE_API_TOKEN": "revoked-" + s1Token})
	r.failedClean(t, srvURL, nil, "revoked-"+s1Token, []string{"threats"}, "401", "Authentication Failed")
	if len(v13Locked(&api.mu, func() []string { return api.requests })) != 1 {
		t.Errorf("%d requests, want 1 (a 401 is not retried)", len(v13Locked(&api.mu, func() []string { return api.requests })))
	}
}
