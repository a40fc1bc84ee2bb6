package engine_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const (
	defenderClientID = "6a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b"
	defenderSecret   = "Qx~8Q~defender.secret_value-0123456789abcd"
	defenderToken    = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.defender-app-token.sig"
)

func defenderEnv() map[string]string {
	return map[string]string{"DEFENDER_CLIENT_ID": defenderClientID, "DEFENDER_CLIENT_SECRET": defenderSecret}
}

// defenderLogin serves the Microsoft identity platform's v1.0 token
// endpoint as https://learn.microsoft.com/en-us/defender-endpoint/api/exposed-apis-create-app-webapp
// shows it: a form POST of grant_type=client_credentials, client_id,
// client_secret and resource; the reply's expires_in is a string.
func defenderLogin(t *testing.T) *vendorOrigin {
	return newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Method != http.MethodPost || r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("client_id") != defenderClientID ||
			r.Form.Get("client_secret") != defenderSecret || r.Form.Get("resource") != "https://api.securitycenter.microsoft.com" {
			curWrite(w, 401, `{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.", "error_codes": [7000215]}`)
			return
		}
		curWrite(w, 200, `{"token_type": "Bearer", "expires_in": "3599", "ext_expires_in": "3599", "expires_on": "1709290799", "not_before": "1709287199", "resource": "https://api.securitycenter.microsoft.com", "access_token": "`+defenderToken+`"}`)
	}))
}

// defenderAPI serves GET /api/alerts as
// https://learn.microsoft.com/en-us/defender-endpoint/api/get-alerts and
// https://learn.microsoft.com/en-us/defender-endpoint/api/exposed-apis-odata-samples
// document it: a Bearer app token (401 {"error": {"code": "Unauthorized",
// ...}} otherwise); OData $top, $skip, $expand=evidence and $filter
// ("lastUpdateTime gt <time>"); newest alerts first ("Get 10 latest
// Alerts": $top=10); {"@odata.context", "value": [...],
// "@odata.nextLink"} with the next link absolute and holding every
// parameter; times with seven fraction digits, as .NET writes them.
//
// mode: "updatedmid" (alerts listed by lastUpdateTime, newest first; the
// oldest is updated after the first page), "resolvedmid" (the newest alert is resolved after the first
// page), "regional" (the next link names us.api.security.microsoft.com's
// stand-in, another origin), "throttled" (the first alerts request is a
// 429 with Retry-After: 9).
type defenderAPI struct {
	mode      string
	other     string
	mu        sync.Mutex
	alerts    []map[string]any
	requests  []string
	throttled bool
}

func defenderAlert(i int, updated string) map[string]any {
	return map[string]any{
		"id": fmt.Sprintf("da6374729003828388%02d_13649696%02d", i, i), "incidentId": 1126090 + i, "investigationId": nil, "assignedTo": nil,
		"severity": []string{"Low", "Medium", "High"}[i%3], "status": "New", "classification": nil, "determination": nil, "investigationState": "Queued",
		"detectionSource": "WindowsDefenderAtp", "category": "Execution", "title": fmt.Sprintf("Low-reputation arbitrary code executed %d", i),
		"alertCreationTime": fmt.Sprintf("2024-02-0%dT20:33:57.722023%dZ", i, i), "lastUpdateTime": updated,
		"machineId": fmt.Sprintf("111e6dd8c833c8a052ea231ec1b19adaf497b6%02d", i), "computerDnsName": fmt.Sprintf("temp%d.corp.contoso.com", i),
		"relatedUser": map[string]any{"userName": "temp123", "domainName": "DOMAIN"},
		"comments":    []map[string]any{},
		"evidence": []map[string]any{{"entityType": "File", "evidenceCreationTime": fmt.Sprintf("2024-02-0%dT20:33:58.42Z", i), "sha1": fmt.Sprintf("%040d", i),
			"fileName": "suspicious.dll", "filePath": `C:\Windows\Temp`, "processId": nil, "detectionStatus": "Detected"}},
	}
}

func newDefenderAPI(mode string) *defenderAPI {
	a := &defenderAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		a.alerts = append(a.alerts, defenderAlert(i, fmt.Sprintf("2024-03-0%dT10:00:00.296666%dZ", i, i)))
	}
	return a
}

func (a *defenderAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.RawQuery)
	if !curBearer(r, defenderToken) {
		curWrite(w, 401, `{"error": {"code": "Unauthorized", "message": "Authorization header is missing or invalid", "target": "b4f7a8d2-0000-0000-0000-000000000000"}}`)
		return
	}
	if a.mode == "throttled" && !a.throttled {
		a.throttled = true
		w.Header().Set("Retry-After", "9")
		curWrite(w, 429, `{"error": {"code": "TooManyRequests", "message": "Rate limit is exceeded. Try again in 9 seconds.", "target": "b4f7a8d2-0000-0000-0000-000000000000"}}`)
		return
	}
	q := r.URL.Query()
	var list []map[string]any
	for _, al := range a.alerts {
		if f := q.Get("$filter"); f == "status eq 'New'" {
			if al["status"] != "New" {
				continue
			}
		} else if f != "" {
			since, ok := strings.CutPrefix(f, "lastUpdateTime gt ")
			t0, err0 := time.Parse(time.RFC3339Nano, since)
			t1, _ := time.Parse(time.RFC3339Nano, al["lastUpdateTime"].(string))
			if !ok || err0 != nil {
				curWrite(w, 400, `{"error": {"code": "InvalidRequestBody", "message": "Invalid filter clause"}}`)
				return
			}
			if !t1.After(t0) {
				continue
			}
		}
		list = append(list, al)
	}
	sort.SliceStable(list, func(i, j int) bool {
		return list[i]["alertCreationTime"].(string) > list[j]["alertCreationTime"].(string)
	})
	if a.mode == "updatedmid" {
		sort.SliceStable(list, func(i, j int) bool { return list[i]["lastUpdateTime"].(string) > list[j]["lastUpdateTime"].(string) })
	}
	top, skip := curQueryInt(q, "$top", 10000), curQueryInt(q, "$skip", 0)
	from, to := min(skip, len(list)), min(skip+top, len(list))
	page := list[from:to]
	if page == nil {
		page = []map[string]any{}
	}
	body := map[string]any{"@odata.context": "https://" + r.Host + "/api/$metadata#Alerts", "value": page}
	if q.Get("$count") == "true" {
		body["@odata.count"] = len(list)
	}
	if to < len(list) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("$skip", fmt.Sprint(to))
		host := "http://" + r.Host
		if a.mode == "regional" {
			host = a.other
		}
		body["@odata.nextLink"] = host + r.URL.Path + "?" + nq.Encode()
	}
	curWrite(w, 200, curJSON(body))
	if a.mode == "resolvedmid" && skip == 0 && a.alerts[4]["status"] == "New" {
		a.alerts[4]["status"] = "Resolved"
	}
	if a.mode == "updatedmid" && skip == 0 && a.alerts[0]["severity"] != "Informational" {
		a.alerts[0]["severity"], a.alerts[0]["lastUpdateTime"] = "Informational", "2024-03-09T00:00:00.0000001Z"
	}
}

func (a *defenderAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var alerts, evidence []string
	for _, al := range a.alerts {
		up, _ := time.Parse(time.RFC3339Nano, al["lastUpdateTime"].(string))
		alerts = append(alerts, fmt.Sprintf("%v|%v|%v|%v|%v|%v|%v", al["id"], al["incidentId"], al["severity"], al["status"], al["computerDnsName"], al["relatedUser"].(map[string]any)["userName"], up.UTC()))
		for _, e := range al["evidence"].([]map[string]any) {
			evidence = append(evidence, fmt.Sprintf("%v|%v|%v|%v", al["id"], e["entityType"], e["sha1"], e["filePath"]))
		}
	}
	sort.Strings(alerts)
	sort.Strings(evidence)
	r.checkTable(t, `SELECT id, incident_id, severity, status, computer_dns_name, related_user__user_name, last_update_time FROM alerts ORDER BY id`, alerts)
	r.checkTable(t, `SELECT a.id, e.entity_type, e.sha1, e.file_path FROM alerts a JOIN alerts__evidence e ON e._pipe_parent_id = a._pipe_id ORDER BY a.id`, evidence)
	for _, s := range []string{defenderSecret, defenderToken} {
		r.noSecret(t, s)
	}
}

// defenderRun runs the spec against api with its token URL on login.
func defenderRun(t *testing.T, api *defenderAPI, login *vendorOrigin) (curRun, string) {
	t.Helper()
	return v13Serve(t, api, "defender", v13Spec(t, "defender", "https://login.microsoftonline.com", login.srv.URL), defenderEnv())
}

// TestDefenderAlerts: an app token got once from the tenant's v1.0 token
// endpoint (expires_in a string), five alerts newest first two a page by
// @odata.nextLink ($skip), evidence as a child table, seven-digit
// fractions read exactly; the secret only to the login host, the token
// only to the API.
func TestDefenderAlerts(t *testing.T) {
	login := defenderLogin(t)
	api := newDefenderAPI("")
	r, _ := defenderRun(t, api, login)
	r.mustLoad(t)
	api.check(t, r)
	if n := login.requests(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	curSameRows(t, "requests", v13Locked(&api.mu, func() []string { return api.requests }), []string{
		"%24expand=evidence&%24filter=lastUpdateTime+gt+2024-01-01T00%3A00%3A00Z&%24top=2",
		"%24expand=evidence&%24filter=lastUpdateTime+gt+2024-01-01T00%3A00%3A00Z&%24skip=2&%24top=2",
		"%24expand=evidence&%24filter=lastUpdateTime+gt+2024-01-01T00%3A00%3A00Z&%24skip=4&%24top=2",
	})
}

// TestDefenderAlertsSecondRun: the second run filters on the largest
// lastUpdateTime loaded, seven fraction digits as the API wrote them, and
// merges the alert resolved and the alert raised since.
func TestDefenderAlertsSecondRun(t *testing.T) {
	login := defenderLogin(t)
	api := newDefenderAPI("")
	r, srvURL := defenderRun(t, api, login)
	r.mustLoad(t)
	api.mu.Lock()
	api.alerts[1]["status"] = "Resolved"
	api.alerts[1]["lastUpdateTime"] = "2024-03-09T08:00:00.0000001Z"
	api.alerts = append(api.alerts, defenderAlert(6, "2024-03-09T09:30:00.1234567Z"))
	api.requests = nil
	api.mu.Unlock()
	r2 := v13Run(t, "defender", v13Spec(t, "defender", "https://login.microsoftonline.com", login.srv.URL), srvURL, r.db, defenderEnv())
	r2.mustLoad(t)
	api.check(t, r2)
	curSameRows(t, "second run requests", v13Locked(&api.mu, func() []string { return api.requests }), []string{"%24expand=evidence&%24filter=lastUpdateTime+gt+2024-03-05T10%3A00%3A00.2966665Z&%24top=2"})
}

// TestDefenderThrottled: a 429 with Retry-After: 9 is waited out and asked
// again.
func TestDefenderThrottled(t *testing.T) {
	login := defenderLogin(t)
	api := newDefenderAPI("throttled")
	var sleeps curSleeps
	r, _ := v13Serve(t, api, "defender", v13Spec(t, "defender", "https://login.microsoftonline.com", login.srv.URL), defenderEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	sleeps.check(t, int32(len(v13Locked(&api.mu, func() []string { return api.requests }))), 4, "[9s]")
}

// TestDefenderRegionalNextLink: a next link on another regional host (the
// docs list us., eu., uk. … api.security.microsoft.com) fails naming the
// host and client.allowed_hosts; that host gets nothing.
func TestDefenderRegionalNextLink(t *testing.T) {
	login := defenderLogin(t)
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { curWrite(w, 200, `{"value": []}`) }))
	api := newDefenderAPI("regional")
	api.other = other.srv.URL
	r, srvURL := defenderRun(t, api, login)
	r.failedClean(t, srvURL, rest.ErrOutOfScope, defenderToken, []string{"alerts"}, `resource "alerts"`, "client.allowed_hosts")
	r.noSecret(t, defenderSecret)
	if n := other.requests(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

// defenderLoginHostAPI answers the first alerts page with a next link on
// the login host (the token URL's origin), which must get no API request.
type defenderLoginHostAPI struct {
	*defenderAPI
	login string
}

func (a defenderLoginHostAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !curBearer(r, defenderToken) {
		a.defenderAPI.ServeHTTP(w, r)
		return
	}
	curWrite(w, 200, curJSON(map[string]any{"value": a.alerts[:2], "@odata.nextLink": a.login + "/api/alerts?$top=2&$skip=2"}))
}

// TestDefenderNextLinkOnLoginHost: a next link on the tenant's login host
// fails before anything is sent there (the login host got only the token
// request), and the error does not say the host was refused for not being
// an auth's token URL's, as it did: it is one, and token URLs are no
// origin of API requests (README: unless listed).
func TestDefenderNextLinkOnLoginHost(t *testing.T) {
	login := defenderLogin(t)
	api := defenderLoginHostAPI{defenderAPI: newDefenderAPI(""), login: login.srv.URL}
	r, srvURL := v13Serve(t, api, "defender", v13Spec(t, "defender", "https://login.microsoftonline.com", login.srv.URL), defenderEnv())
	r.failedClean(t, srvURL, rest.ErrOutOfScope, defenderToken, []string{"alerts"}, `resource "alerts"`, "client.allowed_hosts")
	if n := login.requests(); n != 1 {
		t.Errorf("the login host got %d requests, want the token request alone", n)
	}
	if r.err != nil && strings.Contains(r.err.Error(), "token URL's") {
		t.Errorf("the error says the host is refused for not being a token URL's, but it is the token URL's host: %v", r.err)
	}
}

// defenderNewSpec is the spec listing the open alerts with OData's
// $count=true, which adds "@odata.count" (the total of matching alerts)
// to every page (http://docs.oasis-open.org/odata/odata/v4.01/odata-v4.01-part1-protocol.html#sec_SystemQueryOptioncount;
// Microsoft Graph and Defender's OData samples use it), with totalPath as
// the paginator's total_path when not empty.
func defenderNewSpec(t *testing.T, login *vendorOrigin, totalPath string) string {
	paginator := `paginator: {type: json_link, next_url_path: "@odata.nextLink"}`
	if totalPath != "" {
		paginator = `paginator: {type: json_link, next_url_path: "@odata.nextLink", total_path: "` + totalPath + `"}`
	}
	return v13Spec(t, "defender", "https://login.microsoftonline.com", login.srv.URL,
		`paginator: {type: json_link, next_url_path: "@odata.nextLink"}`, paginator,
		`$filter: "lastUpdateTime gt {incremental.start_value}"`, `$filter: "status eq 'New'"
        $count: "true"`,
		`      incremental: {cursor_path: lastUpdateTime, initial_value: "2024-01-01T00:00:00Z"}
`, "")
}

// TestDefenderOpenAlertsResolvedMidWalk: five open alerts listed newest
// first by $skip; the newest is resolved after the first page, so every
// other moves back one place and alert 3 is on no page read. Every page
// carries @odata.count (5, then 4). With total_path "@odata.count" the
// run fails naming its change, rather than load four open alerts of
// five (it failed on the first page, the total not found).
func TestDefenderOpenAlertsResolvedMidWalk(t *testing.T) {
	login := defenderLogin(t)
	api := newDefenderAPI("resolvedmid")
	r, srvURL := v13Serve(t, api, "defender", defenderNewSpec(t, login, "@odata.count"), defenderEnv())
	t.Log(r.err)
	r.failedClean(t, srvURL, rest.ErrShifted, defenderToken, []string{"alerts"}, `resource "alerts"`, `"@odata.count" was 5 and is 4`)
}

// TestDefenderOpenAlertsResolvedMidWalkNoTotalPath: the same walk without
// total_path. Its next links step $skip by the page's record count, a walk
// by position, which pipe holds to the total of records the first page
// shows: OData's @odata.count (5, then 4) is such a total, so the run
// fails. It loaded alerts 5, 4, 2 and 1 and exited 0, alert 3 missed.
func TestDefenderOpenAlertsResolvedMidWalkNoTotalPath(t *testing.T) {
	login := defenderLogin(t)
	api := newDefenderAPI("resolvedmid")
	r, srvURL := v13Serve(t, api, "defender", defenderNewSpec(t, login, ""), defenderEnv())
	t.Log(r.err)
	r.failedClean(t, srvURL, rest.ErrShifted, defenderToken, []string{"alerts"}, `resource "alerts"`, `"@odata.count" was 5 and is 4`)
}

// TestDefenderOpenAlertsCountTotalPath: a quiet walk of the open alerts
// with total_path "@odata.count", as OData spells it (next_url_path takes
// "@odata.nextLink" so): all five load. total_path is read as one
// top-level key when the path, whose "@" gjson reads as a modifier, finds
// nothing; the first page failed with "not found in the response".
func TestDefenderOpenAlertsCountTotalPath(t *testing.T) {
	login := defenderLogin(t)
	api := newDefenderAPI("")
	r, _ := v13Serve(t, api, "defender", defenderNewSpec(t, login, "@odata.count"), defenderEnv())
	r.mustLoad(t)
	api.check(t, r)
}

// TestDefenderOpenAlertsUpdatedMidWalk: open alerts listed by
// lastUpdateTime, newest first, with $count=true; the oldest alert is
// updated after page 1 and moves to the front, so page 2 repeats alert 4
// as it was and alert 1 is on no page read, while @odata.count stays 5.
// A record read twice with the same text under an unchanged total means
// another on no page (README, TestJiraDCSearchOrderedByUpdate): the run
// fails, with total_path "@odata.count" and without it (the first page's
// total held to: rest.KeepsTotal says so of a json_link walk by position,
// as JSONLink holds it). The second loaded 4 of 5 with exit 0.
func TestDefenderOpenAlertsUpdatedMidWalk(t *testing.T) {
	for _, totalPath := range []string{"@odata.count", ""} {
		t.Run("total_path="+totalPath, func(t *testing.T) {
			login := defenderLogin(t)
			api := newDefenderAPI("updatedmid")
			r, srvURL := v13Serve(t, api, "defender", defenderNewSpec(t, login, totalPath), defenderEnv())
			t.Log(r.err)
			r.failedClean(t, srvURL, nil, defenderToken, []string{"alerts"}, `resource "alerts"`)
		})
	}
}
