package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

const (
	twitchToken    = "cfabdegwdoklmawdzdo98xt2fo512y"
	twitchClientID = "uo6dggojyb8d6soh92zknwmi5ej1q2"
)

func twitchEnv() map[string]string {
	return map[string]string{"TWITCH_ACCESS_TOKEN": twitchToken, "TWITCH_CLIENT_ID": twitchClientID}
}

// twitchAPI serves GET /helix/videos as Twitch documents it
// (https://dev.twitch.tv/docs/api/guide/,
// https://dev.twitch.tv/docs/api/reference/#get-videos): a bearer token
// and the Client-Id it was issued to (401 {"error": "Unauthorized",
// "status": 401, "message": "Client ID and OAuth token do not match"}
// otherwise); user_id, first (20, at most 100) and after; {"data": [...],
// "pagination": {"cursor"}}, pagination {} on the last page; every answer
// carries Ratelimit-Limit, Ratelimit-Remaining and Ratelimit-Reset (a
// Unix time in seconds); past the bucket, 429 with Ratelimit-Remaining 0
// and no Retry-After.
//
// mode: "limit" (the first request for page 2 is answered 429,
// Ratelimit-Reset 5 s from now), "emptymid" (page 2 holds no videos but
// a cursor, as a page whose videos were all filtered out), "repeat"
// (page 2 gives page 1's cursor again).
type twitchAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	limited  bool
	reset    time.Time
	videos   []map[string]any
}

func newTwitchAPI(mode string) *twitchAPI {
	a := &twitchAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		var muted any
		if i%2 == 1 {
			muted = []map[string]any{{"duration": 30 * i, "offset": 120}}
		}
		a.videos = append(a.videos, map[string]any{
			"id": strconv.Itoa(335921245 + i), "stream_id": nil, "user_id": "141981764", "user_login": "twitchdev", "user_name": "TwitchDev",
			"title": fmt.Sprintf("Twitch Developers 101 #%d", i), "description": "Welcome to Twitch development!",
			"created_at": fmt.Sprintf("2024-06-0%dT19:55:26Z", i), "published_at": fmt.Sprintf("2024-06-0%dT19:55:26Z", i),
			"url": fmt.Sprintf("https://www.twitch.tv/videos/%d", 335921245+i), "thumbnail_url": "https://static-cdn.jtvnw.net/cf_vods/d2nvs31859zcd8/twitchdev/335921245/ce0f3a7f-57a3-4152-bc06-0c6610189fb3/thumb/index-0000000000-%{width}x%{height}.jpg",
			"viewable": "public", "view_count": 1863062 + i, "language": "en", "type": "upload", "duration": "3m21s", "muted_segments": muted,
		})
	}
	return a
}

func twitchCursor(at int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"b":null,"a":{"Offset":%d}}`, at)))
}

func (a *twitchAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	w.Header().Set("Ratelimit-Limit", "800")
	w.Header().Set("Ratelimit-Remaining", strconv.Itoa(800-a.requests))
	w.Header().Set("Ratelimit-Reset", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
	if !curBearer(r, twitchToken) || r.Header.Get("Client-Id") != twitchClientID {
		curWrite(w, 401, `{"error": "Unauthorized", "status": 401, "message": "Client ID and OAuth token do not match"}`)
		return
	}
	q := r.URL.Query()
	if r.URL.Path != "/helix/videos" || q.Get("user_id") != "141981764" {
		curWrite(w, 400, `{"error": "Bad Request", "status": 400, "message": "Missing required parameter \"user_id\""}`)
		return
	}
	at := 0
	if c := q.Get("after"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || len(raw) == 0 {
			curWrite(w, 400, `{"error": "Bad Request", "status": 400, "message": "Invalid cursor"}`)
			return
		}
		fmt.Sscanf(string(raw), `{"b":null,"a":{"Offset":%d}}`, &at)
		if a.mode == "limit" && !a.limited {
			a.limited = true
			a.reset = time.Now().Add(5 * time.Second)
			w.Header().Set("Ratelimit-Remaining", "0")
			w.Header().Set("Ratelimit-Reset", strconv.FormatInt(a.reset.Unix(), 10))
			curWrite(w, 429, `{"error": "Too Many Requests", "status": 429, "message": "Too Many Requests"}`)
			return
		}
	}
	first := min(curQueryInt(q, "first", 20), 100)
	from := min(at, len(a.videos))
	to := min(from+first, len(a.videos))
	items := a.videos[from:to]
	pag := map[string]any{}
	if to < len(a.videos) {
		pag["cursor"] = twitchCursor(to)
	}
	if a.mode == "emptymid" && at == 2 {
		// page 2 lost its videos to a filter; its cursor leads on
		items = nil
	}
	if a.mode == "repeat" && at > 0 {
		pag["cursor"] = twitchCursor(at)
	}
	if items == nil {
		items = []map[string]any{}
	}
	curWrite(w, 200, curJSON(map[string]any{"data": items, "pagination": pag}))
}

const (
	twitchVideoQuery = `SELECT id, title, view_count, created_at, duration, thumbnail_url FROM videos ORDER BY id`
	twitchMutedQuery = `SELECT v.id, m.duration, m."offset" FROM videos v JOIN videos__muted_segments m ON m._pipe_parent_id = v._pipe_id ORDER BY v.id`
)

// check compares the tables with the videos the fake served, skip
// those on no page.
func (a *twitchAPI) check(t *testing.T, r curRun, skip map[int]bool) {
	t.Helper()
	var videos, muted []string
	for i, v := range a.videos {
		if skip[i] {
			continue
		}
		created := v["created_at"].(string)
		videos = append(videos, fmt.Sprintf("%v|%v|%v|%s %s +0000 UTC|3m21s|%v", v["id"], v["title"], v["view_count"], created[:10], created[11:19], v["thumbnail_url"]))
		if m, ok := v["muted_segments"].([]map[string]any); ok {
			muted = append(muted, fmt.Sprintf("%v|%v|120", v["id"], m[0]["duration"]))
		}
	}
	r.checkTable(t, twitchVideoQuery, videos)
	r.checkTable(t, twitchMutedQuery, muted)
	r.noSecret(t, twitchToken)
	r.noSecret(t, twitchClientID)
}

// TestTwitchVideos: five videos two a page by pagination.cursor sent back
// as after, until pagination is {}; Client-Id beside the bearer token;
// muted_segments (null or a list) as a child table.
func TestTwitchVideos(t *testing.T) {
	api := newTwitchAPI("")
	r, _ := curServe(t, api, "twitch", "", twitchEnv())
	r.mustLoad(t)
	api.check(t, r, nil)
	if api.requests != 3 {
		t.Errorf("%d requests, want 3", api.requests)
	}
}

// TestTwitchRatelimitReset: a 429 whose Ratelimit-Reset is a Unix time
// 5 s ahead is waited out until then (4 to 5 s, by the clock) and the
// page asked again.
func TestTwitchRatelimitReset(t *testing.T) {
	api := newTwitchAPI("limit")
	var sleeps curSleeps
	r, _ := curServe(t, api, "twitch", "", twitchEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r, nil)
	waits := sleeps.all()
	if len(waits) != 1 || waits[0] < 3*time.Second || waits[0] > 5*time.Second || api.requests != 4 {
		t.Errorf("waits %v in %d requests, want one of 3 to 5 s in 4", waits, api.requests)
	}
}

// TestTwitchEmptyPageWithCursor: a page with no videos but a cursor is
// followed, and the videos after it load.
func TestTwitchEmptyPageWithCursor(t *testing.T) {
	api := newTwitchAPI("emptymid")
	r, _ := curServe(t, api, "twitch", "", twitchEnv())
	r.mustLoad(t)
	api.check(t, r, map[int]bool{2: true, 3: true})
}

// TestTwitchHostile: a cursor that repeats fails as a loop; a spec
// without the Client-Id header fails on the 401, naming it; each with
// nothing loaded and neither credential anywhere.
func TestTwitchHostile(t *testing.T) {
	t.Run("repeat", func(t *testing.T) {
		api := newTwitchAPI("repeat")
		r, srvURL := curServe(t, api, "twitch", "", twitchEnv())
		r.failedClean(t, srvURL, nil, twitchToken, []string{"videos", "videos__muted_segments"}, `resource "videos"`, "seen before", `cursor_param "after"`)
		r.noSecret(t, twitchClientID)
	})
	t.Run("noclientid", func(t *testing.T) {
		text := curEdited(t, "twitch", `  headers: {Client-Id: "{secrets.twitch_client_id}"}`+"\n", "")
		api := newTwitchAPI("")
		r, srvURL := curServe(t, api, "twitch", text, twitchEnv())
		r.failedClean(t, srvURL, nil, twitchToken, []string{"videos"}, `resource "videos"`, "401", "Client ID and OAuth token do not match")
	})
}
