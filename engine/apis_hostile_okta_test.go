package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const oktaAPIToken = "00Okta-API_t0ken/+secret"

// oktaFake serves Okta's List users, List groups and List group members
// (developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/listUsers,
// .../tag/Group/operation/listGroups and listGroupUsers): "Authorization:
// SSWS {token}", a JSON array per page, an absolute Link rel="next" with
// an opaque after cursor, Okta's error body {"errorCode", "errorSummary",
// "errorLink", "errorId", "errorCauses"}, and on a rate limit 429 with
// X-Rate-Limit-Limit, X-Rate-Limit-Remaining and X-Rate-Limit-Reset (the
// epoch second the window resets: developer.okta.com/docs/reference/rl-best-practices/).
type oktaFake struct {
	users, groups []map[string]any
	members       map[string][]string // group id -> user ids
	// limitOn is the request path and after cursor answered 429 once;
	// resetIn is how far in the future its X-Rate-Limit-Reset is.
	limitOn string
	resetIn time.Duration
	limited atomic.Int64
}

func newOktaFake() *oktaFake {
	f := &oktaFake{members: map[string][]string{}}
	for i := range 5 {
		login := fmt.Sprintf("user%d@example.com", i)
		f.users = append(f.users, map[string]any{
			"id":          fmt.Sprintf("00ub0oNGTSWTBKOLG%03d", i),
			"status":      "ACTIVE",
			"created":     "2013-06-24T16:39:18.000Z",
			"activated":   nil,
			"lastLogin":   "2013-06-24T17:39:19.000Z",
			"type":        map[string]any{"id": "otyfnjfba4ye7pgjB0g4"},
			"profile":     map[string]any{"firstName": "Isaac", "lastName": fmt.Sprintf("Brock %d", i), "email": login, "login": login, "mobilePhone": nil},
			"credentials": map[string]any{"password": map[string]any{}, "provider": map[string]any{"type": "OKTA", "name": "OKTA"}},
		})
	}
	for i, name := range []string{"Everyone", "West Coast Users", "Admins"} {
		id := fmt.Sprintf("00g1emaKYZTWRYYRR%03d", i)
		f.groups = append(f.groups, map[string]any{
			"id":          id,
			"objectClass": []string{"okta:user_group"},
			"type":        "OKTA_GROUP",
			"profile":     map[string]any{"name": name, "description": nil},
		})
		for j := range 5 - 2*i {
			f.members[id] = append(f.members[id], f.users[j]["id"].(string))
		}
	}
	return f
}

func (f *oktaFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	oktaError := func(status int, code, summary string) {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"errorCode": %q, "errorSummary": %q, "errorLink": %q, "errorId": "oaeXyz123", "errorCauses": []}`, code, summary, code)
	}
	if r.Header.Get("Authorization") != "SSWS "+oktaAPIToken {
		oktaError(http.StatusUnauthorized, "E0000011", "Invalid token provided")
		return
	}
	after := r.URL.Query().Get("after")
	if f.limitOn != "" && f.limitOn == r.URL.Path+"?"+after && f.limited.Add(1) == 1 {
		w.Header().Set("X-Rate-Limit-Limit", "600")
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(f.resetIn).Unix(), 10))
		oktaError(http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
		return
	}
	var items []map[string]any
	switch {
	case r.URL.Path == "/api/v1/users":
		items = f.users
	case r.URL.Path == "/api/v1/groups":
		items = f.groups
	case strings.HasPrefix(r.URL.Path, "/api/v1/groups/") && strings.HasSuffix(r.URL.Path, "/users"):
		for _, id := range f.members[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/groups/"), "/users")] {
			items = append(items, f.users[slices.IndexFunc(f.users, func(u map[string]any) bool { return u["id"] == id })])
		}
	default:
		oktaError(http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path)
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	from := 0
	if after != "" {
		from = slices.IndexFunc(items, func(m map[string]any) bool { return m["id"] == after }) + 1
	}
	to := min(from+max(limit, 1), len(items))
	if to < len(items) {
		next := fmt.Sprintf("http://%s%s?after=%s&limit=%d", r.Host, r.URL.Path, items[to-1]["id"], limit)
		w.Header().Add("Link", fmt.Sprintf(`<http://%s%s?limit=%d>; rel="self"`, r.Host, r.URL.Path, limit))
		w.Header().Add("Link", "<"+next+`>; rel="next"`)
	}
	page := items[from:to]
	if page == nil {
		page = []map[string]any{}
	}
	json.NewEncoder(w).Encode(page)
}

// TestOktaUsersAndGroups: the SSWS token goes to the org's origin on
// every request and nowhere into errors, logs or the database; users,
// groups and each group's members (a child resource) load exactly; a
// 429 is waited out until Okta's X-Rate-Limit-Reset.
func TestOktaUsersAndGroups(t *testing.T) {
	fake := newOktaFake()
	fake.limitOn, fake.resetIn = "/api/v1/users?00ub0oNGTSWTBKOLG001", 42*time.Second
	api := newVendorOrigin(t, fake)
	run := runVendor(t, "okta_groups", map[string]string{"api_url": api.srv.URL}, map[string]string{"OKTA_API_TOKEN": oktaAPIToken}, "")
	if run.err != nil {
		t.Fatalf("run: %v", run.err)
	}
	var users, groups, members []string
	for _, u := range fake.users {
		p := u["profile"].(map[string]any)
		users = append(users, fmtRow(u["id"], u["status"], p["login"], p["lastName"], u["credentials"].(map[string]any)["provider"].(map[string]any)["type"], u["created"]))
	}
	for _, g := range fake.groups {
		groups = append(groups, fmtRow(g["id"], g["profile"].(map[string]any)["name"]))
		for _, id := range fake.members[g["id"].(string)] {
			members = append(members, fmtRow(g["id"], id))
		}
	}
	slices.Sort(members)
	sameRows(t, "users", rowsOf(t, run.db, `SELECT id, status, profile__login, profile__last_name, credentials__provider__type, strftime('%Y-%m-%dT%H:%M:%fZ', created) FROM users ORDER BY id`), users)
	sameRows(t, "groups", rowsOf(t, run.db, `SELECT id, profile__name FROM groups ORDER BY id`), groups)
	sameRows(t, "group_members", rowsOf(t, run.db, `SELECT _groups_id, id FROM group_members ORDER BY _groups_id, id`), members)
	sameRows(t, "groups__object_class", rowsOf(t, run.db, `SELECT count(*) FROM groups__object_class WHERE value = 'okta:user_group'`), []string{"3"})

	if n, all := api.carrying(oktaAPIToken), api.requests(); n != all {
		t.Errorf("%d of %d requests carried the token, want all", n, all)
	}
	if fake.limited.Load() == 0 {
		t.Fatal("the fake never answered 429")
	}
	waits := run.waited()
	if len(waits) != 1 || waits[0] < 30*time.Second || waits[0] > 43*time.Second {
		t.Errorf("waits = %v, want one wait until X-Rate-Limit-Reset (about 42s)", waits)
	}
	run.noSecretLeft(t, oktaAPIToken)
}

// TestOktaMembersKeyedByUserID: a newcomer who keeps resource_defaults'
// primary_key: id for group members (Okta's docs list users, whose id is
// unique among users, not among memberships) would get each user once
// in group_members, whatever the groups: 5 of the 9 memberships. Under
// every write disposition the run fails instead, naming the resource,
// the user, both groups and the key that fixes it, and leaves no
// membership behind.
func TestOktaMembersKeyedByUserID(t *testing.T) {
	for _, disp := range []string{"append", "merge", "replace"} {
		t.Run(disp, func(t *testing.T) {
			fake := newOktaFake()
			api := newVendorOrigin(t, fake)
			text := strings.Replace(vendorSpec(t, "okta_groups"), "    primary_key: [_groups_id, id]", "    write_disposition: "+disp, 1)
			run := runVendorSpec(t, "okta_groups", text, map[string]string{"api_url": api.srv.URL}, map[string]string{"OKTA_API_TOKEN": oktaAPIToken}, "")
			if run.err == nil {
				t.Fatalf("run exited 0 with %s memberships of 9", rowsOf(t, run.db, `SELECT count(*) FROM group_members`)[0])
			}
			msg := run.err.Error()
			for _, want := range []string{`resource "group_members"`, `came from two parent records`, "primary_key: [id, _groups_id]"} {
				if !strings.HasPrefix(msg, `resource "group_members"`) || !strings.Contains(msg, want) {
					t.Errorf("err = %v\nwant it to start with the resource and say %s", run.err, want)
				}
			}
			if n := strings.Count(msg, `_groups_id="00g1emaKYZTWRYYRR00`); n != 2 {
				t.Errorf("err = %v\nwant it to name both groups", run.err)
			}
			if n := rowsOf(t, run.db, `SELECT count(*) FROM sqlite_master WHERE name = 'group_members'`); n[0] == "1" {
				if got := rowsOf(t, run.db, `SELECT count(*) FROM group_members`); got[0] != "0" {
					t.Errorf("the failed run left %s memberships", got[0])
				}
			}
			run.noSecretLeft(t, oktaAPIToken)
		})
	}
}

// TestOktaMembershipAcrossRuns: with primary_key: id and merge, a user
// in one group each loads; a user who moves to another group between
// runs moves; a user who joins a second group fails the next run,
// whichever group's page comes first (the first group's record is
// unchanged, so a merge that meets it first leaves its row as stored:
// conformance case OriginKept pins that order down).
func TestOktaMembershipAcrossRuns(t *testing.T) {
	fake := newOktaFake()
	for i := range fake.groups {
		id := fake.groups[i]["id"].(string)
		fake.members[id] = []string{fake.users[i]["id"].(string)}
	}
	api := newVendorOrigin(t, fake)
	text := strings.Replace(vendorSpec(t, "okta_groups"), "    primary_key: [_groups_id, id]", "    write_disposition: merge", 1)
	db := filepath.Join(t.TempDir(), "okta.db")
	run := func() *vendorRun {
		return runVendorSpec(t, "okta_groups", text, map[string]string{"api_url": api.srv.URL}, map[string]string{"OKTA_API_TOKEN": oktaAPIToken}, db)
	}
	members := func() []string {
		return rowsOf(t, db, `SELECT _groups_id, id FROM group_members ORDER BY _groups_id, id`)
	}
	g0, g1, g2 := fake.groups[0]["id"].(string), fake.groups[1]["id"].(string), fake.groups[2]["id"].(string)
	u0, u1, u2 := fake.users[0]["id"].(string), fake.users[1]["id"].(string), fake.users[2]["id"].(string)
	if r := run(); r.err != nil {
		t.Fatalf("run 1: %v", r.err)
	}
	sameRows(t, "run 1", members(), []string{fmtRow(g0, u0), fmtRow(g1, u1), fmtRow(g2, u2)})

	fake.members[g1], fake.members[g2] = nil, []string{u1, u2} // u1 moves from g1 to g2
	if r := run(); r.err != nil {
		t.Fatalf("run 2: %v", r.err)
	}
	sameRows(t, "run 2", members(), []string{fmtRow(g0, u0), fmtRow(g2, u1), fmtRow(g2, u2)})

	fake.members[g1] = []string{u0} // u0 joins g1 as well, and stays in g0 unchanged
	r := run()
	if r.err == nil || !strings.Contains(r.err.Error(), "primary_key: [id, _groups_id]") ||
		!strings.Contains(r.err.Error(), `_groups_id="`+g0+`"`) || !strings.Contains(r.err.Error(), `_groups_id="`+g1+`"`) {
		t.Fatalf("run 3 err = %v, want the key conflict naming both groups", r.err)
	}
	sameRows(t, "after run 3", members(), []string{fmtRow(g0, u0), fmtRow(g2, u1), fmtRow(g2, u2)})
}

// TestOktaCursorRepeats: an after cursor that comes back (page 3 links
// to page 2 again) fails the run as a loop instead of spinning; a Link
// that names the page just read ends the walk, as json_link's own-URL
// rule does (exit 0 with what the pages held).
func TestOktaCursorRepeats(t *testing.T) {
	for _, c := range []struct {
		name string
		next map[string]string // after -> the next page's after
		err  string
		rows []string
	}{
		{"back to page 2", map[string]string{"": "00u1", "00u1": "00u2", "00u2": "00u1"}, "pagination loop", nil},
		{"to itself", map[string]string{"": "00u1", "00u1": "00u1"}, "", []string{"00u-", "00u-00u1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				after := r.URL.Query().Get("after")
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Link", fmt.Sprintf(`<http://%s/api/v1/users?after=%s&limit=2>; rel="next"`, r.Host, c.next[after]))
				fmt.Fprintf(w, `[{"id": "00u-%s", "status": "ACTIVE"}]`, after)
			}))
			run := runVendor(t, "okta_groups", map[string]string{"api_url": api.srv.URL}, map[string]string{"OKTA_API_TOKEN": oktaAPIToken}, "")
			run.noSecretLeft(t, oktaAPIToken)
			if c.err != "" {
				if run.err == nil || !strings.Contains(run.err.Error(), c.err) {
					t.Errorf("err = %v, want %s", run.err, c.err)
				}
				return
			}
			if run.err != nil {
				t.Fatalf("run: %v", run.err)
			}
			sameRows(t, "users", rowsOf(t, run.db, `SELECT id FROM users ORDER BY id`), c.rows)
		})
	}
}

// TestOktaMembersKeyedByContent: without a primary key, ids come from
// the record's content (id_from_content), the same for a user in two
// groups: the run fails saying so and naming the parent's column.
func TestOktaMembersKeyedByContent(t *testing.T) {
	fake := newOktaFake()
	api := newVendorOrigin(t, fake)
	text := strings.Replace(vendorSpec(t, "okta_groups"), "  primary_key: id\n", "", 1)
	text = strings.Replace(text, "    primary_key: [_groups_id, id]", "    id_from_content: true", 1)
	run := runVendorSpec(t, "okta_groups", text, map[string]string{"api_url": api.srv.URL}, map[string]string{"OKTA_API_TOKEN": oktaAPIToken}, "")
	if run.err == nil {
		t.Fatalf("run exited 0 with %s memberships of 9", rowsOf(t, run.db, `SELECT count(*) FROM group_members`)[0])
	}
	for _, want := range []string{`resource "group_members"`, "no primary_key", "primary_key: [_groups_id, ...]"} {
		if !strings.Contains(run.err.Error(), want) {
			t.Errorf("err = %v\nwant it to say %s", run.err, want)
		}
	}
}
