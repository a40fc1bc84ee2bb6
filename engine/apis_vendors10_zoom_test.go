package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const zoomToken = "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0.eyJhdWQiOiJodHRwczovL29hdXRoLnpvb20udXMifQ.c2lnbmF0dXJl"

// zoomAPI serves GET /v2/users and /v2/users/{userId}/meetings as Zoom
// documents them (https://developers.zoom.us/docs/api/pagination/,
// https://developers.zoom.us/docs/api/users/#tag/users/GET/users,
// https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/users/{userId}/meetings,
// https://developers.zoom.us/docs/api/rate-limits/): a bearer token, else
// 401 {"code": 124, "message": "Invalid access token."}; page_size (30,
// at most 300: here at most 2, the cap at a small scale) and
// next_page_token, which must come with the query of the first request
// (else 400 {"code": 300, …}); {"page_size", "total_records",
// "next_page_token" ("" on the last page), "users" | "meetings": [...]}.
//
// mode: "repeat" (the second users page gives its own token again),
// "total" (the last users page says total_records one more than there
// are), "daily" (the second users page is a 429 with the daily limit's
// Retry-After, a date-time hours ahead), "numbertoken" (the
// users' next_page_token is a number).
type zoomAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	badAuth  int
	limited  int
	users    []map[string]any
	meetings map[string][]map[string]any
}

func newZoomAPI(mode string) *zoomAPI {
	a := &zoomAPI{mode: mode, meetings: map[string][]map[string]any{}}
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("z8yAAAAA8bbbQ%d", i)
		a.users = append(a.users, map[string]any{
			"id": id, "email": fmt.Sprintf("user%d@example.com", i), "first_name": fmt.Sprintf("User%d", i), "last_name": "Doe",
			"type": 1 + i%2, "pmi": 3542471135 + int64(i), "timezone": "Asia/Shanghai", "verified": 1, "dept": "",
			"created_at": fmt.Sprintf("2024-06-0%dT06:00:00Z", i), "last_login_time": nil, "status": "active",
			"role_id": "0", "group_ids": []string{"RSMaSp8sTEGK0_oamiA2_w"}[:i%2], "language": "en-US",
		})
		for m := 1; m <= (i+1)%4; m++ {
			n := int64(85746065400) + int64(i*10+m)
			a.meetings[id] = append(a.meetings[id], map[string]any{
				"uuid": fmt.Sprintf("aDYlohsHRtCd4ii1uC2+h%d%d==", i, m), "id": n, "host_id": id,
				"topic": fmt.Sprintf("Weekly %d/%d", i, m), "type": 8, "start_time": fmt.Sprintf("2024-07-0%dT0%d:00:00Z", m, i),
				"duration": 30 * m, "timezone": "UTC", "created_at": "2024-06-01T00:00:00Z", "join_url": fmt.Sprintf("https://zoom.us/j/%d", n),
			})
		}
	}
	return a
}

// zoomToken returns the next_page_token of the page that ends before item i.
func zoomPageToken(scope string, i int) string {
	return fmt.Sprintf("IAfJX3jsOLW7w3dokmFl84zOa0MAVGyMEB%s%d", scope, i)
}

func (a *zoomAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if !curBearer(r, zoomToken) {
		a.badAuth++
		curWrite(w, 401, `{"code": 124, "message": "Invalid access token."}`)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v2/")
	q := r.URL.Query()
	size := min(curQueryInt(q, "page_size", 30), 300, 2)
	key, list, scope := "users", a.users, "u"
	if uid, ok := strings.CutSuffix(strings.TrimPrefix(path, "users/"), "/meetings"); ok && path != "users" {
		if q.Get("type") != "scheduled" {
			curWrite(w, 400, `{"code": 300, "message": "Invalid type"}`)
			return
		}
		key, list, scope = "meetings", a.meetings[uid], uid
	} else if path != "users" || q.Get("status") != "active" {
		curWrite(w, 404, `{"code": 1001, "message": "User does not exist."}`)
		return
	}
	from := 0
	if tok := q.Get("next_page_token"); tok != "" {
		from = -1
		for i := 0; i <= len(list); i++ {
			if tok == zoomPageToken(scope, i) {
				from = i
			}
		}
		if n, err := strconv.Atoi(tok); err == nil && a.mode == "numbertoken" {
			from = n
		}
		if from < 0 {
			curWrite(w, 400, `{"code": 300, "message": "The next page token is invalid or expired."}`)
			return
		}
		if a.mode == "daily" && key == "users" {
			a.limited++
			// Zoom names the next midnight UTC; hours ahead, so that the
			// test does not depend on the time of day
			resume := time.Now().UTC().Truncate(time.Hour).Add(12 * time.Hour)
			w.Header().Set("X-RateLimit-Category", "Light")
			w.Header().Set("X-RateLimit-Type", "Daily-limit")
			w.Header().Set("X-RateLimit-Limit", "30000")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("Retry-After", resume.Format(time.RFC3339))
			curWrite(w, 429, `{"code": 429, "message": "You have exceeded the daily rate limit of 30000 API requests for this endpoint. You may resume these requests at GMT 00:00:00."}`)
			return
		}
	}
	to := min(from+size, len(list))
	next := ""
	if to < len(list) {
		next = zoomPageToken(scope, to)
	}
	total := len(list)
	switch {
	case a.mode == "repeat" && key == "users" && from == 2:
		next = zoomPageToken(scope, 2)
	case a.mode == "total" && key == "users":
		total++
	}
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	body := curJSON(map[string]any{"page_size": size, "total_records": total, "next_page_token": next, key: items})
	if a.mode == "numbertoken" && key == "users" && next != "" {
		body = strings.Replace(body, strconv.Quote(next), strconv.Itoa(to), 1)
	}
	curWrite(w, 200, body)
}

func zoomEnv() map[string]string { return map[string]string{"ZOOM_ACCESS_TOKEN": zoomToken} }

const (
	zoomUserQuery    = `SELECT id, email, type, pmi, created_at, dept FROM users ORDER BY id`
	zoomMeetingQuery = `SELECT _users_id, uuid, id, typeof(id), topic, start_time, duration FROM meetings ORDER BY uuid`
)

// check compares the tables with what the fake served.
func (a *zoomAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var users, meetings []string
	for _, u := range a.users {
		users = append(users, fmt.Sprintf("%v|%v|%v|%v|%s +0000 UTC|", u["id"], u["email"], u["type"], u["pmi"],
			strings.Replace(strings.TrimSuffix(u["created_at"].(string), "Z"), "T", " ", 1)))
		for _, m := range a.meetings[u["id"].(string)] {
			meetings = append(meetings, fmt.Sprintf("%v|%v|%v|integer|%v|%s +0000 UTC|%v", u["id"], m["uuid"], m["id"], m["topic"],
				strings.Replace(strings.TrimSuffix(m["start_time"].(string), "Z"), "T", " ", 1), m["duration"]))
		}
	}
	r.checkTable(t, zoomUserQuery, users)
	r.checkTable(t, zoomMeetingQuery, meetings)
	r.noSecret(t, zoomToken)
}

// TestZoomUsersMeetings: five users in pages of two by next_page_token
// (the last page's "" ends the walk), each user's 0 to 3 meetings, the
// token sent back with the first request's query; dept "" stays "" (a
// field null in every record, last_login_time, makes no column). The
// token's parameter is shown as *** in every URL pipe prints (its name
// holds "token").
func TestZoomUsersMeetings(t *testing.T) {
	api := newZoomAPI("")
	r, _ := curServe(t, api, "zoom", "", zoomEnv())
	r.mustLoad(t)
	api.check(t, r)
	// users: 3 pages; meetings (2, 3, 0, 1, 2 of them): 1, 2, 1, 1, 1 pages
	if api.requests != 3+6 || api.badAuth != 0 {
		t.Errorf("%d requests (%d without the token), want 9 (0)", api.requests, api.badAuth)
	}
}

// TestZoomHostile: a token that repeats, and a total_records above the
// users read when the last page's token is "", fail with nothing loaded;
// a token sent as a number is sent back as its digits and loads the same.
func TestZoomHostile(t *testing.T) {
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"repeat", rest.ErrLoop, []string{`resource "users"`, "next_page_token=***", zoomPageToken("u", 2), `cursor_path "next_page_token"`}},
		{"total", rest.ErrMorePages, []string{`resource "users"`, "total_records"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newZoomAPI(c.mode)
			r, srvURL := curServe(t, api, "zoom", "", zoomEnv())
			r.failedClean(t, srvURL, c.sentinel, zoomToken, []string{"users", "meetings"}, c.parts...)
			t.Log(r.err)
		})
	}
	t.Run("numbertoken", func(t *testing.T) {
		api := newZoomAPI("numbertoken")
		r, _ := curServe(t, api, "zoom", "", zoomEnv())
		r.mustLoad(t)
		api.check(t, r)
	})
}

// TestZoomDailyLimit: a daily limit's 429, whose Retry-After is an RFC
// 3339 date-time (2020-05-31T00:00:00Z, as Zoom's rate limit page shows
// it) hours ahead, fails the run at once, as a Retry-After in
// seconds or an HTTP date beyond the longest wait does, naming the 429,
// Retry-After and client.retry.max_backoff; the first page is not loaded
// alone.
func TestZoomDailyLimit(t *testing.T) {
	api := newZoomAPI("daily")
	var s curSleeps
	r, srvURL := curServe(t, api, "zoom", "", zoomEnv(), s.tune)
	r.failedClean(t, srvURL, nil, zoomToken, []string{"users", "meetings"}, `resource "users": page 2`, "429", "daily rate limit", "Retry-After", "client.retry.max_backoff")
	if api.limited != 1 || len(s.all()) != 0 {
		t.Errorf("%d requests refused, waits %v; want 1, none", api.limited, s.all())
	}
}
