package engine_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

const opEventsToken = "eyJhbGciOiJFUzI1NiIsImtpZCI6Im9wLWV2ZW50cyIsInR5cCI6IkpXVCJ9.eyJmZWF0dXJlcyI6WyJzaWduaW5hdHRlbXB0cyJdfQ.c2lnbmF0dXJl"

func opEnv() map[string]string { return map[string]string{"OP_EVENTS_TOKEN": opEventsToken} }

// opEventsAPI serves POST /api/v2/signinattempts as 1Password documents
// its Events API (https://developer.1password.com/docs/events-api/pagination,
// https://developer.1password.com/docs/events-api/reference,
// https://support.1password.com/events-api-reference): "Authorization:
// Bearer" (401 {"Error": {"Message": "Unauthorized"}}); a body that is a
// ResetCursor {limit (1-1000, default 100), start_time, end_time} or a
// cursor {"cursor": "..."}; {"cursor", "has_more", "items": [{"uuid",
// "session_uuid", "timestamp", "category", "type", "country",
// "target_user": {"uuid", "name", "email"}, "client": {"app_name",
// "app_version", "ip_address", ...}, "location": {"country", "city",
// "latitude", "longitude"}}]}, events oldest first from start_time
// (inclusive), the cursor naming the position after the last event sent
// and the page size of the ResetCursor that began the walk; has_more false
// on the last page, which still holds a cursor.
//
// mode: "strict" (a body with a cursor and ResetCursor fields is a 400:
// the docs say the cursor comes "instead of the ResetCursor object"),
// "stringly" (has_more is the string "true" or "false"), "nully"
// (has_more is null), "numeric" (has_more is 1 or 0), "stuck" (the
// second page gives the first page's cursor again with has_more true).
type opEventsAPI struct {
	mode   string
	mu     sync.Mutex
	events []map[string]any
	bodies []string
}

func opEvent(i int, ts string) map[string]any {
	return map[string]any{
		"uuid": fmt.Sprintf("56YE2TYN2VFYRLNSHKPW5NVT5E-%d", i), "session_uuid": "A5K6COGVRVEJXJW3XQZGS7VAMM", "timestamp": ts,
		"category": []string{"success", "credentials_failed", "mfa_failed"}[i%3], "type": []string{"credentials_ok", "password_secret_bad", "mfa_missing"}[i%3], "country": "FR",
		"target_user": map[string]any{"uuid": "IR7VJHJ36JHINBFAD7V2T5MP3E", "name": "Test User", "email": "test@example.com"},
		"client":      map[string]any{"app_name": "1Password Browser Extension", "app_version": "20184", "platform_name": "Chrome", "os_name": "MacOSX", "ip_address": "192.0.2.254"},
		"location":    map[string]any{"country": "FR", "region": "Île-de-France", "city": "Paris", "latitude": 48.8566, "longitude": 2.3522},
	}
}

func newOpEventsAPI(mode string) *opEventsAPI {
	a := &opEventsAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		a.events = append(a.events, opEvent(i, fmt.Sprintf("2024-03-0%dT08:%02d:00.%03d-08:00", i, i, i*7)))
	}
	return a
}

type opPosition struct {
	Next  int    `json:"n"`
	Limit int    `json:"l"`
	Start string `json:"s"`
}

func (a *opEventsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	raw, _ := io.ReadAll(r.Body)
	a.bodies = append(a.bodies, string(raw))
	if !curBearer(r, opEventsToken) {
		curWrite(w, 401, `{"Error": {"Message": "Unauthorized"}}`)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/signinattempts" {
		curWrite(w, 404, `{"Error": {"Message": "Not Found"}}`)
		return
	}
	var req map[string]any
	if err := json.Unmarshal(raw, &req); err != nil && len(raw) > 0 {
		curWrite(w, 400, `{"Error": {"Message": "Bad Request"}}`)
		return
	}
	var pos opPosition
	if c, ok := req["cursor"].(string); ok {
		if a.mode == "strict" && len(req) > 1 {
			curWrite(w, 400, `{"Error": {"Message": "Bad Request: a cursor request takes no other field"}}`)
			return
		}
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || json.Unmarshal(b, &pos) != nil {
			curWrite(w, 400, `{"Error": {"Message": "Invalid cursor"}}`)
			return
		}
	} else {
		pos.Limit = 100
		if l, ok := req["limit"].(float64); ok {
			pos.Limit = int(l)
		}
		pos.Start, _ = req["start_time"].(string)
		start, err := time.Parse(time.RFC3339, pos.Start)
		if err != nil {
			curWrite(w, 400, `{"Error": {"Message": "Bad Request: start_time"}}`)
			return
		}
		for pos.Next < len(a.events) {
			ts, _ := time.Parse(time.RFC3339, a.events[pos.Next]["timestamp"].(string))
			if !ts.Before(start) {
				break
			}
			pos.Next++
		}
	}
	from := pos.Next
	to := min(from+pos.Limit, len(a.events))
	items := a.events[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	next := pos
	next.Next = to
	if a.mode == "stuck" && from > 0 {
		next.Next = from
	}
	enc, _ := json.Marshal(next)
	var more any = to < len(a.events) || a.mode == "stuck"
	switch a.mode {
	case "stringly":
		more = fmt.Sprint(more)
	case "nully":
		more = nil
	case "numeric":
		more = map[bool]int{true: 1, false: 0}[more.(bool)]
	}
	curWrite(w, 200, curJSON(map[string]any{"cursor": base64.RawURLEncoding.EncodeToString(enc), "has_more": more, "items": items}))
}

func (a *opEventsAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var want []string
	for _, e := range a.events {
		ts, _ := time.Parse(time.RFC3339, e["timestamp"].(string))
		want = append(want, fmt.Sprintf("%s|%s|%s|%s|%v|%s", e["uuid"], e["category"], ts.UTC(), e["target_user"].(map[string]any)["email"], e["location"].(map[string]any)["latitude"], e["location"].(map[string]any)["region"]))
	}
	sort.Strings(want)
	r.checkTable(t, `SELECT uuid, category, timestamp, target_user__email, location__latitude, location__region FROM signinattempts ORDER BY uuid`, want)
	r.noSecret(t, opEventsToken)
}

// TestOnePasswordSignInAttempts: five sign-in attempts two a page, the
// ResetCursor first and the cursor in the body after it; the walk ends
// on has_more false although that page holds a cursor. The cursor rides
// beside the ResetCursor's fields (pipe sends the endpoint's json on every
// page), which this fake, as the cursor's own position wins, accepts.
func TestOnePasswordSignInAttempts(t *testing.T) {
	api := newOpEventsAPI("")
	r, _ := v14Serve(t, api, "onepassword", "", opEnv())
	r.mustLoad(t)
	api.check(t, r)
	bodies := v13Locked(&api.mu, func() []string { return api.bodies })
	if len(bodies) != 3 || bodies[0] != `{"limit":2,"start_time":"2024-01-01T00:00:00Z"}` || !strings.Contains(bodies[1], `"cursor":"`) {
		t.Errorf("bodies %q, want a ResetCursor then two with a cursor", bodies)
	}
}

// TestOnePasswordSecondRun: the next run starts from the last timestamp
// loaded (start_time is inclusive): the attempt at it is skipped as
// loaded, the one after it merged.
func TestOnePasswordSecondRun(t *testing.T) {
	api := newOpEventsAPI("")
	r, srvURL := v14Serve(t, api, "onepassword", "", opEnv())
	r.mustLoad(t)
	api.mu.Lock()
	api.events = append(api.events, opEvent(6, "2024-03-06T09:00:00Z"))
	api.bodies = nil
	api.mu.Unlock()
	r2 := runSpecIn(t, "vendors14", "onepassword", "", srvURL, r.db, opEnv())
	r2.mustLoad(t)
	api.check(t, r2)
	bodies := v13Locked(&api.mu, func() []string { return api.bodies })
	if len(bodies) != 1 || bodies[0] != `{"limit":2,"start_time":"2024-03-05T08:05:00.035-08:00"}` {
		t.Errorf("second run bodies %q, want one ResetCursor from the last timestamp", bodies)
	}
	if c := r2.rep.Changes["signinattempts"]; c.Inserted != 1 || c.Updated != 0 {
		t.Errorf("second run %+v, want 1 inserted", c)
	}
}

// TestOnePasswordStrictCursorBody: were the API to refuse a cursor beside
// ResetCursor fields, as the docs' "instead of" allows, page 2 is a 400:
// the run must fail naming it, nothing loaded. (There is no setting to
// drop the json's fields on later pages; json: {} alone sends a
// ResetCursor of the last hour.)
func TestOnePasswordStrictCursorBody(t *testing.T) {
	api := newOpEventsAPI("strict")
	r, srvURL := v14Serve(t, api, "onepassword", "", opEnv())
	r.failedClean(t, srvURL, nil, opEventsToken, []string{"signinattempts"}, `resource "signinattempts"`, "400")
	t.Log(r.err)
}

// TestOnePasswordStringFlag: has_more written as a string ("true",
// "false") is read by its text, and the load is exact.
func TestOnePasswordStringFlag(t *testing.T) {
	api := newOpEventsAPI("stringly")
	r, _ := v14Serve(t, api, "onepassword", "", opEnv())
	r.mustLoad(t)
	api.check(t, r)
}

// TestOnePasswordHostile: has_more null or a number is no flag pipe may
// guess at, and a cursor that comes back unchanged with has_more true is
// a loop: each fails naming the field, nothing loaded.
func TestOnePasswordHostile(t *testing.T) {
	for _, c := range []struct{ mode, part string }{{"nully", `has_more_path "has_more" is null`}, {"numeric", `has_more_path "has_more" is number`}, {"stuck", `cursor_path "cursor"`}} {
		t.Run(c.mode, func(t *testing.T) {
			api := newOpEventsAPI(c.mode)
			r, srvURL := v14Serve(t, api, "onepassword", "", opEnv())
			r.failedClean(t, srvURL, nil, opEventsToken, []string{"signinattempts"}, `resource "signinattempts"`, c.part)
			t.Log(r.err)
		})
	}
}
