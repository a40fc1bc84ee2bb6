package engine_test

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

const auth0MgmtToken = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.auth0mgmt.c2lnbmF0dXJlLWF1dGgwLW1nbXQ"

func auth0LogsEnv() map[string]string {
	return map[string]string{"AUTH0_MANAGEMENT_TOKEN": auth0MgmtToken}
}

// auth0LogsAPI serves GET /api/v2/logs by checkpoint as Auth0 documents it
// (https://auth0.com/docs/deploy-monitor/logs/retrieve-log-events-using-mgmt-api,
// https://auth0.com/docs/api/management/v2/logs/get-logs,
// https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/management-api-endpoint-rate-limits):
// a bearer token (401 {"statusCode": 401, "error": "Unauthorized",
// "message": "Invalid token"} otherwise); from (a log_id: logs with a
// larger log_id, in log_id order) and take (at most 100); a bare array;
// a Link header `<...?from=<last log_id>&take=N>; rel="next"`, the
// request's own URL when the array is empty; log_ids are 56-digit
// decimal strings; X-RateLimit-Limit, X-RateLimit-Remaining and
// X-RateLimit-Reset (Unix seconds) on every answer.
type auth0LogsAPI struct {
	mu       sync.Mutex
	requests []string
	logs     []map[string]any
}

// auth0LogID returns the log_id of the nth log: 56 digits that differ
// in their last ones only, as Auth0's consecutive ids do.
func auth0LogID(n int) string {
	return fmt.Sprintf("900202403010000000000000000000000000000000000000000%05d", 100+n)
}

func (a *auth0LogsAPI) add(from, to int) {
	for n := from; n <= to; n++ {
		a.logs = append(a.logs, map[string]any{
			"log_id": auth0LogID(n), "_id": auth0LogID(n), "date": fmt.Sprintf("2024-03-01T10:%02d:00.000Z", n), "type": []string{"s", "f", "seacft"}[n%3],
			"description": fmt.Sprintf("event %d", n), "client_id": "AaiyAPdpYdesoKnqjj8HJqRn4T5titww", "ip": fmt.Sprintf("203.0.113.%d", n),
			"user_id": fmt.Sprintf("auth0|65f0a1b2c3d4e5f6071829%02d", n), "details": map[string]any{"prompts": []map[string]any{{"name": "login", "elapsedTime": 100 + n}}},
		})
	}
}

func (a *auth0LogsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.RawQuery)
	w.Header().Set("X-RateLimit-Limit", "50")
	w.Header().Set("X-RateLimit-Remaining", "49")
	w.Header().Set("X-RateLimit-Reset", "1709287200")
	if !curBearer(r, auth0MgmtToken) {
		curWrite(w, 401, `{"statusCode": 401, "error": "Unauthorized", "message": "Invalid token"}`)
		return
	}
	if r.URL.Path != "/api/v2/logs" {
		curWrite(w, 404, `{"statusCode": 404, "error": "Not Found", "message": "Not Found"}`)
		return
	}
	q := r.URL.Query()
	take := min(curQueryInt(q, "take", 50), 100)
	out := []map[string]any{}
	for _, l := range a.logs {
		if id := l["log_id"].(string); (q.Get("from") == "" || id > q.Get("from")) && len(out) < take {
			out = append(out, l)
		}
	}
	next := r.URL.Path + "?" + r.URL.RawQuery
	if len(out) > 0 {
		nq := url.Values{"from": {out[len(out)-1]["log_id"].(string)}, "take": {fmt.Sprint(take)}}
		next = r.URL.Path + "?" + nq.Encode()
	}
	w.Header().Set("Link", "<http://"+r.Host+next+`>; rel="next"`)
	curWrite(w, 200, curJSON(out))
}

func (a *auth0LogsAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var want []string
	for _, l := range a.logs {
		want = append(want, fmt.Sprintf("%v|%v|%v|%v", l["log_id"], l["type"], l["ip"], l["details"].(map[string]any)["prompts"].([]map[string]any)[0]["elapsedTime"]))
	}
	sort.Strings(want)
	r.checkTable(t, `SELECT l.log_id, l.type, l.ip, p.elapsed_time FROM logs l JOIN logs__details__prompts p ON p._pipe_parent_id = l._pipe_id ORDER BY l.log_id`, want)
	r.noSecret(t, auth0MgmtToken)
}

// auth0LogsFirstRun serves five logs after the initial log_id and
// checks the first run: two a request by the Link header, the walk
// ending on the empty array whose next link is its own URL.
func auth0LogsFirstRun(t *testing.T) (*auth0LogsAPI, *vendorOrigin, string) {
	t.Helper()
	api := &auth0LogsAPI{}
	api.add(1, 5)
	srv := newVendorOrigin(t, api)
	db := filepath.Join(t.TempDir(), "auth0.db")
	r := curRunText(t, "auth0_logs", "", srv.srv.URL, db, auth0LogsEnv())
	r.mustLoad(t)
	api.check(t, r)
	want := []string{
		"from=90020240301000000000000000000000000000000000000000000001&take=2",
		"from=" + auth0LogID(2) + "&take=2", "from=" + auth0LogID(4) + "&take=2", "from=" + auth0LogID(5) + "&take=2",
	}
	if got := strings.Join(api.requests, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("run 1 requests:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	return api, srv, db
}

// TestAuth0LogsCheckpoint: the first run by checkpoint loads the five
// logs with their prompts as a child table.
func TestAuth0LogsCheckpoint(t *testing.T) {
	auth0LogsFirstRun(t)
}

// TestAuth0LogsSecondRun: five more logs added, the second run should
// start from the fifth log's log_id and save the tenth's. pipe reads
// 56-digit log_ids as numbers at big.Float's default 64-bit precision,
// where they are all equal: it saves the first log_id read (…00101)
// with every record's hash as the boundary, and each later run reads
// the tenant's whole log again from there, its state growing by every
// log.
func TestAuth0LogsSecondRun(t *testing.T) {
	api, srv, db := auth0LogsFirstRun(t)
	api.requests = nil
	api.add(6, 10)
	r := curRunText(t, "auth0_logs", "", srv.srv.URL, db, auth0LogsEnv())
	r.mustLoad(t)
	api.check(t, r)
	want := []string{"from=" + auth0LogID(5) + "&take=2", "from=" + auth0LogID(7) + "&take=2", "from=" + auth0LogID(9) + "&take=2", "from=" + auth0LogID(10) + "&take=2"}
	if got := strings.Join(api.requests, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("run 2 requests:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	got := queryStrings(t, openDB(t, db), `SELECT cursor FROM _pipe_state WHERE resource = 'logs'`)
	if len(got) != 1 || !strings.Contains(got[0], `"cursor":"`+auth0LogID(10)+`"`) {
		t.Errorf("_pipe_state cursor %q, want %s", got, auth0LogID(10))
	}
}
