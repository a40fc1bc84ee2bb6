package engine_test

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const mailchimpKey = "8d1f0e2c3b4a59687766554433221100-us6"

// mailchimpAPI serves GET /3.0/lists and /3.0/lists/{id}/members as
// Mailchimp documents them (https://mailchimp.com/developer/marketing/docs/fundamentals/,
// https://mailchimp.com/developer/marketing/api/list-members/list-members-info/,
// https://mailchimp.com/developer/marketing/docs/errors/): basic auth with
// any user and the API key, else a 401 problem document {"type",
// "title": "API Key Invalid", "status": 401, "detail", "instance"}; count
// (default 10, at most 1000) and offset; {"lists" | "members": [...],
// "total_items", "_links"}; a member's id is the MD5 of its lower-cased
// email, so the same person has the same id in every audience.
//
// mode: "cap" (the server sends at most 2 members whatever count asks:
// the documented maximum, at a small scale), "unsubscribe" (a member of
// the first audience unsubscribes once its first page is served, leaving
// status=subscribed, so later offsets shift).
type mailchimpAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	badAuth  int
	changed  bool
	lists    []map[string]any
	members  map[string][]map[string]any
	all      map[string][]map[string]any // every member as first served
}

func mailchimpID(email string) string {
	h := md5.Sum([]byte(strings.ToLower(email)))
	return hex.EncodeToString(h[:])
}

func newMailchimpAPI(mode string) *mailchimpAPI {
	a := &mailchimpAPI{mode: mode, members: map[string][]map[string]any{}, all: map[string][]map[string]any{}}
	for l, n := range []int{7, 2, 0} {
		id := fmt.Sprintf("a1b2c3d4e%d", l)
		a.lists = append(a.lists, map[string]any{"id": id, "name": fmt.Sprintf("Audience %d", l), "stats": map[string]any{"member_count": n}})
		for i := 1; i <= n; i++ {
			email := fmt.Sprintf("Person%d@Example.com", i) // the same people in each audience
			a.members[id] = append(a.members[id], map[string]any{
				"id": mailchimpID(email), "email_address": strings.ToLower(email), "status": "subscribed", "list_id": id,
				"merge_fields": map[string]any{"FNAME": fmt.Sprintf("Person %d", i), "LNAME": "Doe"},
				"stats":        map[string]any{"avg_open_rate": float64(i) / 8, "avg_click_rate": 0},
				"tags":         []map[string]any{{"id": 100 + i%2, "name": []string{"vip", "new"}[i%2]}},
			})
		}
		a.all[id] = a.members[id]
	}
	return a
}

func (a *mailchimpAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if _, p, ok := r.BasicAuth(); !ok || p != mailchimpKey {
		a.badAuth++
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(401)
		fmt.Fprint(w, `{"type":"https://mailchimp.com/developer/marketing/docs/errors/","title":"API Key Invalid","status":401,"detail":"Your API key may be invalid, or you've attempted to access the wrong datacenter.","instance":"5a1b"}`)
		return
	}
	q := r.URL.Query()
	offset, count := 0, 10
	offset = curQueryInt(q, "offset", offset)
	count = curQueryInt(q, "count", count)
	count = min(count, 1000)
	path := strings.TrimPrefix(r.URL.Path, "/3.0/")
	key, list, listID := "lists", a.lists, ""
	if strings.HasPrefix(path, "lists/") && strings.HasSuffix(path, "/members") {
		listID = strings.TrimSuffix(strings.TrimPrefix(path, "lists/"), "/members")
		if q.Get("status") != "subscribed" {
			curWrite(w, 400, `{"title":"Invalid Resource","status":400,"detail":"status required"}`)
			return
		}
		key, list = "members", a.members[listID]
		if a.mode == "cap" {
			count = min(count, 2)
		}
	} else if path != "lists" {
		curWrite(w, 404, `{"title":"Resource Not Found","status":404,"detail":"The requested resource could not be found."}`)
		return
	}
	from := min(offset, len(list))
	body := map[string]any{key: list[from:min(from+count, len(list))], "total_items": len(list), "_links": []any{}}
	if listID != "" {
		body["list_id"] = listID
	}
	curWrite(w, 200, curJSON(body))
	if a.mode == "unsubscribe" && key == "members" && listID == a.lists[0]["id"] && offset == 0 && !a.changed {
		a.changed = true
		a.members[listID] = a.members[listID][1:]
	}
}

func (a *mailchimpAPI) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv
}

func mailchimpEnv() map[string]string { return map[string]string{"MAILCHIMP_API_KEY": mailchimpKey} }

// mailchimpSpec is the shipped spec with each old replaced by its new.
func mailchimpSpec(t *testing.T, oldNew ...string) string {
	t.Helper()
	return curEdited(t, "mailchimp", oldNew...)
}

const mailchimpMemberQuery = `SELECT _lists_id, id, email_address, merge_fields__fname, stats__avg_open_rate FROM members ORDER BY _lists_id, email_address`

func (a *mailchimpAPI) memberRows() []string {
	var out []string
	for _, l := range a.lists {
		for _, m := range a.all[l["id"].(string)] {
			out = append(out, fmt.Sprintf("%s|%s|%s|%s|%v", l["id"], m["id"], m["email_address"], m["merge_fields"].(map[string]any)["FNAME"], m["stats"].(map[string]any)["avg_open_rate"]))
		}
	}
	return out
}

// TestMailchimpMembers: three audiences in pages of two, their 7, 2 and 0
// members in pages of three (offsets 0, 3, 6; 0; 0), the same people in
// two audiences kept apart by [id, _lists_id]; every value as served and
// the key only in the basic auth header. The same with a server that
// sends two members whatever count asks: total_items keeps the walk
// going from the members received.
func TestMailchimpMembers(t *testing.T) {
	for _, mode := range []string{"", "cap"} {
		t.Run("mode="+mode, func(t *testing.T) {
			api := newMailchimpAPI(mode)
			srv := api.server(t)
			r := curRunSpec(t, "mailchimp", srv.URL, filepath.Join(t.TempDir(), "mc.db"), mailchimpEnv())
			r.mustLoad(t)
			r.checkTable(t, `SELECT id, name, stats__member_count FROM lists ORDER BY id`, []string{"a1b2c3d4e0|Audience 0|7", "a1b2c3d4e1|Audience 1|2", "a1b2c3d4e2|Audience 2|0"})
			r.checkTable(t, mailchimpMemberQuery, api.memberRows())
			r.checkTable(t, `SELECT count(*) FROM members__tags`, []string{"9"})
			if api.badAuth != 0 {
				t.Errorf("%d requests without the key", api.badAuth)
			}
			r.noSecret(t, mailchimpKey)
		})
	}
}

// TestMailchimpHostile: each variant fails with a specific error and
// loads nothing.
//   - primary_key id alone: the same person (one MD5 id) in two audiences
//     is two records under one key; the run names [id, _lists_id].
//   - a member unsubscribing mid-walk: total_items falls from 7 to 6, so
//     offsets shifted (ErrShifted).
//   - no total_path while the server caps count: the short page ends the
//     walk, but total_items says more (ErrMorePages, naming total_path).
func TestMailchimpHostile(t *testing.T) {
	tests := []struct {
		name, mode string
		oldNew     []string
		err        error
		parts      []string
	}{
		{"key without the audience", "", []string{"primary_key: [id, _lists_id]", "primary_key: id"}, nil, []string{`resource "members"`, "primary_key: [id, _lists_id]"}},
		{"unsubscribe mid-walk", "unsubscribe", nil, rest.ErrShifted, []string{
			`resource "members": page 2: GET http://api.test/3.0/lists/a1b2c3d4e0/members?count=3&offset=3&status=subscribed`, `total_path "total_items" was 7 and is 6 at offset 3`}},
		{"capped count, no total_path", "cap", []string{"limit: 3, offset_param: offset, limit_param: count, total_path: total_items}", "limit: 3, offset_param: offset, limit_param: count}"}, rest.ErrMorePages, []string{
			`resource "members": page 1: GET http://api.test/3.0/lists/a1b2c3d4e0/members?count=3&offset=0&status=subscribed`, `body "total_items" is 7 and 2 records were read`, `set total_path "total_items"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newMailchimpAPI(tt.mode)
			srv := api.server(t)
			r := curRunText(t, "mailchimp", mailchimpSpec(t, tt.oldNew...), srv.URL, filepath.Join(t.TempDir(), "mc.db"), mailchimpEnv())
			r.failedClean(t, srv.URL, tt.err, mailchimpKey, []string{"lists", "members", "members__tags"}, tt.parts...)
		})
	}
}
