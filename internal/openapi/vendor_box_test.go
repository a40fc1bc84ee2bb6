package openapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// boxFake serves users, groups and group memberships as Box's
// pagination guide says (https://developer.box.com/guides/api-calls/pagination/):
// offset-based by default (offset, limit up to 1000, default 100;
// total_count, offset and limit in the body; an offset above 10000 is a
// 400 on /users), and marker-based on the endpoints that offer it only
// with usemarker=true (next_marker while more follow, null on the last;
// a marker without usemarker is ignored, as the marker param's
// description says it requires usemarker).
type boxFake struct {
	prefix      string
	users       []map[string]any
	groups      []map[string]any
	memberships map[string][]map[string]any // by group id
	token       string
	badAuth     atomic.Int32
	hidden      int // added to total_count: entries the user cannot see
	// marker, when set, replaces the next_marker of every page but the
	// last (hostile variants).
	marker func(next string) string
}

func newBoxFake(nUsers, nGroups int) *boxFake {
	f := &boxFake{prefix: "/2.0", memberships: map[string][]map[string]any{}, token: "box-developer-token-secret"}
	for i := range nUsers {
		f.users = append(f.users, map[string]any{"id": strconv.Itoa(11446498 + i), "type": "user", "name": fmt.Sprintf("User %d", i), "login": fmt.Sprintf("user%d@example.com", i)})
	}
	for i := range nGroups {
		id := strconv.Itoa(57645 + i)
		f.groups = append(f.groups, map[string]any{"id": id, "type": "group", "name": fmt.Sprintf("Group %d", i), "group_type": "managed_group"})
		n := map[int]int{0: 2, 3: 120}[i]
		for j := range n {
			u := f.users[j%len(f.users)]
			f.memberships[id] = append(f.memberships[id], map[string]any{"id": strconv.Itoa(11446000 + i*1000 + j), "type": "group_membership", "role": "member",
				"user":  map[string]any{"id": u["id"], "type": "user", "name": u["name"], "login": u["login"]},
				"group": map[string]any{"id": id, "type": "group", "name": fmt.Sprintf("Group %d", i)}})
		}
	}
	return f
}

func (f *boxFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "error", "status": status, "code": code, "message": msg})
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		f.badAuth.Add(1)
		fail(http.StatusUnauthorized, "unauthorized", "Unauthorized")
		return
	}
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, f.prefix), "/"), "/")
	var list []map[string]any
	markers := false
	switch {
	case len(segs) == 1 && segs[0] == "users":
		list, markers = f.users, true
	case len(segs) == 1 && segs[0] == "groups":
		list = f.groups
	case len(segs) == 3 && segs[0] == "groups" && segs[2] == "memberships":
		list = f.memberships[segs[1]]
	default:
		fail(http.StatusNotFound, "not_found", "Not Found")
		return
	}
	q := r.URL.Query()
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fail(http.StatusBadRequest, "bad_request", "Invalid value for limit")
			return
		}
		limit = min(n, 1000)
	}
	body := map[string]any{"limit": limit}
	start := 0
	if markers && q.Get("usemarker") == "true" {
		if m := q.Get("marker"); m != "" {
			n, err := strconv.Atoi(strings.TrimPrefix(m, "JV9I"))
			if err != nil {
				fail(http.StatusBadRequest, "invalid_parameter", "Invalid marker")
				return
			}
			start = n
		}
		body["next_marker"] = nil
		if start+limit < len(list) {
			next := "JV9I" + strconv.Itoa(start+limit)
			if f.marker != nil {
				next = f.marker(next)
			}
			body["next_marker"] = next
		}
	} else {
		if s := q.Get("offset"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || markers && n > 10000 {
				fail(http.StatusBadRequest, "bad_request", "Queries with offset parameter value exceeding 10000 will be rejected")
				return
			}
			start = n
		}
		body["total_count"], body["offset"], body["order"] = len(list)+f.hidden, start, []any{map[string]any{"by": "name", "direction": "ASC"}}
	}
	start = min(start, len(list))
	end := min(start+limit, len(list))
	page := list[start:end]
	if page == nil {
		page = []map[string]any{}
	}
	body["entries"] = page
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// TestBoxGeneratedSpecLoadsEveryPage generates a spec from Box's
// document, where /users offers marker and offset pagination and its
// marker needs usemarker=true, and runs it against a fake that pages as
// Box's guide says: every user, group and membership must be loaded.
func TestBoxGeneratedSpecLoadsEveryPage(t *testing.T) {
	g := generateVendor(t, "box.yaml")
	f := newBoxFake(250, 130)
	srv := httptest.NewServer(f)
	defer srv.Close()
	db, err := g.run(t, srv.URL+f.prefix+"/", nil, map[string]string{"BOX_PLATFORM_ACCESS_TOKEN": f.token})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, g.res.YAML)
	}
	var users, groups, members []string
	for _, u := range f.users {
		users = append(users, fmt.Sprintf("%s|%s", u["id"], u["login"]))
	}
	for _, gr := range f.groups {
		groups = append(groups, fmt.Sprintf("%s|%s", gr["id"], gr["name"]))
		for _, m := range f.memberships[gr["id"].(string)] {
			members = append(members, fmt.Sprintf("%s|%s|%s", m["id"], m["user"].(map[string]any)["id"], gr["id"]))
		}
	}
	sameRows(t, db, `SELECT id, login FROM users ORDER BY id`, sortedCopy(users))
	sameRows(t, db, `SELECT id, name FROM groups ORDER BY id`, sortedCopy(groups))
	sameRows(t, db, `SELECT id, user__id, group__id FROM memberships ORDER BY id`, sortedCopy(members))
	noSecretIn(t, db, f.token)
	if n := f.badAuth.Load(); n != 0 {
		t.Errorf("%d request(s) without the access token", n)
	}
}

// TestBoxTotalCountAboveEntries: Box documents total_count as "one
// greater than the offset of the last entry in the entire collection",
// and "the total number of entries in the collection may be less than
// total_count" (entries the user may not see). Such a load must get
// every entry Box serves and exit 0: Box documents it as normal.
func TestBoxTotalCountAboveEntries(t *testing.T) {
	g := generateVendor(t, "box.yaml")
	f := newBoxFake(10, 130)
	f.hidden = 7 // entries counted in total_count that the user cannot see
	srv := httptest.NewServer(f)
	defer srv.Close()
	db, err := g.run(t, srv.URL+f.prefix+"/", nil, map[string]string{"BOX_PLATFORM_ACCESS_TOKEN": f.token})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if got := rows(t, db, `SELECT count(*) FROM groups`); got[0] != "130" {
		t.Errorf("groups: %s rows, want 130", got[0])
	}
	if got := rows(t, db, `SELECT count(*) FROM memberships`); got[0] != "122" {
		t.Errorf("memberships: %s rows, want 122", got[0])
	}
}

// TestBoxGeneratedSpecHostile runs the generated spec against Box fakes
// whose markers go wrong: each must fail the run naming the marker, not
// load part of the users and exit 0.
func TestBoxGeneratedSpecHostile(t *testing.T) {
	cases := []struct {
		name   string
		marker func(next string) string
		want   []string
	}{
		{"marker repeats", func(string) string { return "JV9I100" }, []string{`resource "users"`, "next_marker", "marker"}},
		{"marker is the first page", func(string) string { return "JV9I0" }, []string{`resource "users"`, "marker"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := generateVendor(t, "box.yaml")
			f := newBoxFake(250, 3)
			f.marker = c.marker
			srv := httptest.NewServer(f)
			defer srv.Close()
			db, err := g.run(t, srv.URL+f.prefix+"/", nil, map[string]string{"BOX_PLATFORM_ACCESS_TOKEN": f.token})
			mustFail(t, err, c.want, f.token)
			noSecretIn(t, db, f.token)
		})
	}
}
