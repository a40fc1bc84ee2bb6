package engine_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const slackToken = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"

// slackAPI serves conversations.list and users.list as the Slack Web API
// documents them (https://docs.slack.dev/reference/methods/conversations.list,
// https://docs.slack.dev/reference/methods/users.list,
// https://docs.slack.dev/apis/web-api/pagination): the token as Bearer,
// limit (default 100, at most 1000) and cursor parameters, {"ok": true,
// "channels": [...], "response_metadata": {"next_cursor": "..."}} with an
// opaque base64 cursor ("dGVhbTpDMDYxRkE1UEI=" is "team:C061FA5PB") and
// next_cursor "" on the last page; errors as HTTP 200 with {"ok": false,
// "error": "invalid_auth"} (or "invalid_cursor"), and 429 with Retry-After
// and {"ok": false, "error": "ratelimited"} past the rate limit.
//
// mode makes the second page of conversations.list hostile: "invalid_auth"
// (an error on HTTP 200), "ratelimited" (one 429 first), "repeat" (the
// first page's cursor again), "cursor_object" (next_cursor an object),
// "has_more" (has_more true and an empty cursor), "truncated" (the body
// cut short), "type" (num_members as a string), "object" (channels as an
// object keyed by index).
type slackAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	badAuth  int
	limited  bool
	channels []map[string]any
	users    []map[string]any
}

func newSlackAPI(mode string) *slackAPI {
	a := &slackAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		a.channels = append(a.channels, map[string]any{
			"id": fmt.Sprintf("C0%d1FA5PB", i), "name": fmt.Sprintf("chan-%d", i),
			"is_channel": true, "is_private": i == 4, "is_archived": i == 5,
			"created": 1449252889 + i, "creator": "W012A3BCD", "num_members": 10 * i,
			"topic":          map[string]any{"value": fmt.Sprintf("Topic \"%d\" — ünïcode", i), "creator": "W012A3BCD", "last_set": 1449709364},
			"purpose":        map[string]any{"value": "", "creator": "", "last_set": 0},
			"previous_names": []string{fmt.Sprintf("old-%d-a", i), fmt.Sprintf("old-%d-b", i)}[:i%3],
		})
	}
	for i := 1; i <= 3; i++ {
		a.users = append(a.users, map[string]any{
			"id": fmt.Sprintf("W0%dA3BCD", i), "team_id": "T012AB3C4", "name": fmt.Sprintf("user%d", i),
			"deleted": false, "is_admin": i == 1, "updated": 1502138686 + i, "tz_offset": -25200,
			"profile": map[string]any{"real_name": fmt.Sprintf("User %d", i), "email": fmt.Sprintf("u%d@example.com", i)},
		})
	}
	return a
}

// slackMembers returns the user ids in channel C0<i>1FA5PB: i of them,
// nil for a channel that does not exist.
func slackMembers(channel string) []string {
	if len(channel) != 9 || !strings.HasPrefix(channel, "C0") || channel[3:] != "1FA5PB" || channel[2] < '1' || channel[2] > '5' {
		return nil
	}
	i := int(channel[2] - '0')
	var ids []string
	for j := 1; j <= i; j++ {
		ids = append(ids, fmt.Sprintf("U0%dM%d", i, j))
	}
	return ids
}

func slackCursor(id string) string { return base64.StdEncoding.EncodeToString([]byte("team:" + id)) }

func (a *slackAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if !curBearer(r, slackToken) {
		a.badAuth++
		curWrite(w, 200, `{"ok":false,"error":"invalid_auth"}`)
		return
	}
	key, all := "channels", a.channels
	switch r.URL.Path {
	case "/api/conversations.list":
	case "/api/users.list":
		key, all = "members", a.users
	case "/api/conversations.members":
		ids := slackMembers(r.URL.Query().Get("channel"))
		if ids == nil {
			curWrite(w, 200, `{"ok":false,"error":"channel_not_found"}`)
			return
		}
		key, all = "members", nil
		for _, id := range ids {
			all = append(all, map[string]any{"id": id})
		}
	default:
		curWrite(w, 404, `{"ok":false,"error":"unknown_method"}`)
		return
	}
	q := r.URL.Query()
	limit := 100
	limit = curQueryInt(q, "limit", limit)
	start := 0
	if c := q.Get("cursor"); c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		start = -1
		for i, rec := range all {
			if err == nil && string(raw) == "team:"+rec["id"].(string) {
				start = i
			}
		}
		if start < 0 {
			curWrite(w, 200, `{"ok":false,"error":"invalid_cursor"}`)
			return
		}
	}
	end := min(start+limit, len(all))
	next := ""
	if end < len(all) {
		next = slackCursor(all[end]["id"].(string))
	}
	page := map[string]any{"ok": true, key: all[start:end], "response_metadata": map[string]any{"next_cursor": next}}
	if r.URL.Path == "/api/conversations.members" {
		var ids []any // conversations.members lists bare user ids
		for _, rec := range all[start:end] {
			ids = append(ids, rec["id"])
		}
		page[key] = ids
	}
	if key == "channels" && start > 0 && start <= limit {
		switch a.mode {
		case "invalid_auth":
			curWrite(w, 200, `{"ok":false,"error":"invalid_auth"}`)
			return
		case "ratelimited":
			if !a.limited {
				a.limited = true
				w.Header().Set("Retry-After", "30")
				curWrite(w, 429, `{"ok":false,"error":"ratelimited"}`)
				return
			}
		case "repeat":
			page["response_metadata"] = map[string]any{"next_cursor": q.Get("cursor")}
		case "cursor_object":
			page["response_metadata"] = map[string]any{"next_cursor": map[string]any{"value": next}}
		case "has_more":
			page["has_more"] = true
			page["response_metadata"] = map[string]any{"next_cursor": ""}
		case "truncated":
			body := curJSON(page)
			curWrite(w, 200, body[:len(body)/2])
			return
		case "type":
			recs := []map[string]any{}
			for _, rec := range all[start:end] {
				c := map[string]any{}
				for k, v := range rec {
					c[k] = v
				}
				c["num_members"] = fmt.Sprint(rec["num_members"])
				recs = append(recs, c)
			}
			page[key] = recs
		case "object":
			obj := map[string]any{}
			for i, rec := range all[start:end] {
				obj[strconv.Itoa(start+i)] = rec
			}
			page[key] = obj
		}
	}
	curWrite(w, 200, curJSON(page))
}

func (a *slackAPI) server(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/api/", a)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// slackChannelRows renders the channels as the test's query reads them.
func slackChannelRows(chans []map[string]any, members func(any) string) []string {
	var out []string
	for _, c := range chans {
		topic := c["topic"].(map[string]any)
		out = append(out, fmt.Sprintf("%s|%s|integer|%d|%v|%v|%s|%v|%s|%s", c["id"], c["name"], c["created"], c["is_archived"], c["is_private"], topic["value"], topic["last_set"], c["purpose"].(map[string]any)["value"], members(c["num_members"])))
	}
	return out
}

const slackChannelsQuery = `SELECT id, name, typeof(created), created, is_archived, is_private, topic__value, topic__last_set, purpose__value, typeof(num_members) || ':' || num_members FROM channels ORDER BY id`

const slackNamesQuery = `SELECT c.id, n.value FROM channels__previous_names n JOIN channels c ON n._pipe_parent_id = c._pipe_id ORDER BY c.id, n._pipe_list_idx`

func slackNameRows(chans []map[string]any) []string {
	var out []string
	for _, c := range chans {
		for _, n := range c["previous_names"].([]string) {
			out = append(out, fmt.Sprintf("%s|%s", c["id"], n))
		}
	}
	return out
}

// TestSlackCursorLoadsEveryPage: five channels in pages of two, three
// users, and each channel's members, the last page's next_cursor ""
// ending each walk, with the spec's paginator and with none (detected);
// every column, child row and type as served, and the token only where it
// belongs.
func TestSlackCursorLoadsEveryPage(t *testing.T) {
	for _, variant := range []string{"cursor", "auto"} {
		t.Run(variant, func(t *testing.T) { slackLoad(t, variant) })
	}
}

// slackLoad runs the Slack spec, with its paginator or (auto) none.
func slackLoad(t *testing.T, variant string) {
	api := newSlackAPI("")
	srv := api.server(t)
	text := ""
	if variant == "auto" {
		text = strings.Replace(curTestdata(t, "slack"), "  paginator: {type: cursor, cursor_path: response_metadata.next_cursor, cursor_param: cursor}\n", "", 1)
		if strings.Contains(text, "paginator") {
			t.Fatal("the spec variant still has a paginator")
		}
	}
	r := curRunText(t, "slack", text, srv.URL+"/api", filepath.Join(t.TempDir(), "slack.db"), map[string]string{"SLACK_TOKEN": slackToken})
	r.mustLoad(t)
	r.checkTable(t, slackChannelsQuery, slackChannelRows(api.channels, func(v any) string { return fmt.Sprintf("integer:%v", v) }))
	r.checkTable(t, slackNamesQuery, slackNameRows(api.channels))
	r.checkTable(t, `SELECT id, name, is_admin, updated, tz_offset, profile__real_name, profile__email FROM users ORDER BY id`, []string{
		"W01A3BCD|user1|true|1502138687|-25200|User 1|u1@example.com",
		"W02A3BCD|user2|false|1502138688|-25200|User 2|u2@example.com",
		"W03A3BCD|user3|false|1502138689|-25200|User 3|u3@example.com",
	})
	var members []string
	for i := 1; i <= 5; i++ {
		for _, id := range slackMembers(fmt.Sprintf("C0%d1FA5PB", i)) {
			members = append(members, fmt.Sprintf("C0%d1FA5PB|%s", i, id))
		}
	}
	r.checkTable(t, `SELECT _channels_id, value FROM channel_members ORDER BY _channels_id, value`, members)
	// conversations.list 3 pages, users.list 2, conversations.members
	// 1+1+2+2+3 for channels of 1 to 5 members in pages of 2.
	if api.requests != 3+2+9 || api.badAuth != 0 {
		t.Errorf("requests = %d (%d without the token), want 14 with it", api.requests, api.badAuth)
	}
	r.noSecret(t, slackToken)
}

// TestSlackRateLimitedPageIsRetried: a 429 with Retry-After on page 2 is
// waited out (30 s, as the header says) and the page asked again; the data
// is exact.
func TestSlackRateLimitedPageIsRetried(t *testing.T) {
	api := newSlackAPI("ratelimited")
	srv := api.server(t)
	var sleeps curSleeps
	r := curRunText(t, "slack", "", srv.URL+"/api", filepath.Join(t.TempDir(), "slack.db"), map[string]string{"SLACK_TOKEN": slackToken}, sleeps.tune)
	r.mustLoad(t)
	waits := sleeps.all()
	if len(waits) != 1 || waits[0] != 30*time.Second {
		t.Errorf("waits = %v, want the 30s of Retry-After", waits)
	}
	r.checkTable(t, slackChannelsQuery, slackChannelRows(api.channels, func(v any) string { return fmt.Sprintf("integer:%v", v) }))
	if !api.limited || api.requests != 15 {
		t.Errorf("requests = %d, want 15 (14 and one 429 retried)", api.requests)
	}
	if got := r.rep.Resources["channels"].Retries; got != 1 {
		t.Errorf("channels retries = %d, want 1", got)
	}
}

// TestSlackTypeChangeWidensExactly: num_members sent as a string on page
// 2 widens the column to text, and every value reads back as its digits.
func TestSlackTypeChangeWidensExactly(t *testing.T) {
	api := newSlackAPI("type")
	srv := api.server(t)
	r := curRunSpec(t, "slack", srv.URL+"/api", filepath.Join(t.TempDir(), "slack.db"), map[string]string{"SLACK_TOKEN": slackToken})
	r.mustLoad(t)
	r.checkTable(t, slackChannelsQuery, slackChannelRows(api.channels, func(v any) string { return fmt.Sprintf("text:%v", v) }))
}

// TestSlackHostilePagesFail: each hostile second page of
// conversations.list fails the run with an error naming the resource, the
// URL and what was wrong, leaves no rows, and never shows the token.
func TestSlackHostilePagesFail(t *testing.T) {
	next := "http://api.test/api/conversations.list?cursor=" + strings.ReplaceAll(slackCursor("C031FA5PB"), "=", "%3D")
	tests := []struct {
		mode  string
		err   error
		parts []string
	}{
		{"invalid_auth", nil, []string{`resource "channels": page 2: GET ` + next, "200", `invalid_auth`}},
		{"repeat", rest.ErrLoop, []string{`resource "channels": page 2: GET ` + next, "seen before"}},
		{"cursor_object", nil, []string{`resource "channels": page 2: GET ` + next, `cursor_path "response_metadata.next_cursor" is object`, "want a string or a number"}},
		{"has_more", rest.ErrMorePages, []string{`resource "channels": page 2: GET ` + next, `"has_more" is true`}},
		{"truncated", nil, []string{`resource "channels": page 2: GET ` + next, "not JSON"}},
		{"object", nil, []string{`resource "channels": page 2: GET ` + next, `data_selector "channels"`}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			api := newSlackAPI(tt.mode)
			srv := api.server(t)
			r := curRunSpec(t, "slack", srv.URL+"/api", filepath.Join(t.TempDir(), "slack.db"), map[string]string{"SLACK_TOKEN": slackToken})
			r.failedClean(t, srv.URL, tt.err, slackToken, []string{"channels", "channels__previous_names"}, tt.parts...)
		})
	}
}

// TestSlackWrongTokenFailsOnFirstPage: Slack answers a bad token with
// HTTP 200 {"ok": false, "error": "invalid_auth"}; the spec's
// response_action makes that an error naming the body, not an empty load.
func TestSlackWrongTokenFailsOnFirstPage(t *testing.T) {
	api := newSlackAPI("")
	srv := api.server(t)
	r := curRunSpec(t, "slack", srv.URL+"/api", filepath.Join(t.TempDir(), "slack.db"), map[string]string{"SLACK_TOKEN": "xoxb-wrong-token-0000"})
	r.mustFail(t, srv.URL, `page 1: GET http://api.test/api/`, "invalid_auth")
	r.noRows(t, "channels", "users")
	r.noSecret(t, "xoxb-wrong-token-0000")
}

// TestSlackSpecWithoutResponseActions: a newcomer's spec without the
// ok==false rule still fails on {"ok": false, "error": "invalid_auth"}
// (the data_selector is missing), and the error names the body's error
// and the setting that handles it.
func TestSlackSpecWithoutResponseActions(t *testing.T) {
	api := newSlackAPI("invalid_auth")
	srv := api.server(t)
	text := strings.Replace(curTestdata(t, "slack"), "    response_actions:\n      - {condition: \"ok==false\", action: fail}\n", "", 1)
	if strings.Contains(text, "response_actions") {
		t.Fatal("the spec variant still has response_actions")
	}
	r := curRunText(t, "slack", text, srv.URL+"/api", filepath.Join(t.TempDir(), "slack.db"), map[string]string{"SLACK_TOKEN": slackToken})
	r.mustFail(t, srv.URL, `resource "channels": page 2: GET http://api.test/api/conversations.list?cursor=`, `data_selector "channels" not found in the response (it holds keys "ok", "error"): body "error" is string "invalid_auth"`, "response_actions")
	r.noRows(t, "channels")
	r.noSecret(t, slackToken)
}

// TestSlackBareCursorPaginator: "paginator: cursor" with its defaults
// reads cursors.next, which Slack does not send; the run fails on the
// first page naming response_metadata.next_cursor and the setting to use,
// instead of loading one page.
func TestSlackBareCursorPaginator(t *testing.T) {
	api := newSlackAPI("")
	srv := api.server(t)
	text := strings.Replace(curTestdata(t, "slack"), "  paginator: {type: cursor, cursor_path: response_metadata.next_cursor, cursor_param: cursor}\n", "  paginator: cursor\n", 1)
	r := curRunText(t, "slack", text, srv.URL+"/api", filepath.Join(t.TempDir(), "slack.db"), map[string]string{"SLACK_TOKEN": slackToken})
	r.mustFail(t, srv.URL, `page 1: GET http://api.test/api/`, `no cursor at cursor_path "cursors.next"`, `body "response_metadata.next_cursor" still holds`, `set cursor with cursor_path "response_metadata.next_cursor"`)
	if !errors.Is(r.err, rest.ErrMorePages) {
		t.Errorf("err = %v, want ErrMorePages", r.err)
	}
	r.noRows(t, "channels", "users", "channel_members")
}
