package openapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// asanaFake serves projects and their tasks as Asana's pagination docs
// say (https://developers.asana.com/docs/pagination): with a limit (1 to
// 100), a page of that many records and next_page {offset, path, uri}
// while more exist, null on the last; offset is an opaque token that
// only the API hands out (anything else is a 400). Without a limit the
// "grandfathered" endpoints answer everything in one page, no next_page.
type asanaFake struct {
	prefix   string // the server's path, /api/1.0
	projects []map[string]any
	tasks    map[string][]map[string]any // by project gid
	token    string
	badAuth  atomic.Int32
	numeric  atomic.Int32 // requests with an offset the API never handed out
	// tamper changes next_page before it is served (hostile variants);
	// it gets nil on the last page.
	tamper func(next map[string]any) map[string]any
}

func newAsanaFake(nProjects int) *asanaFake {
	f := &asanaFake{prefix: "/api/1.0", tasks: map[string][]map[string]any{}, token: "2/1200/asana-personal-access-token"}
	for i := range nProjects {
		gid := strconv.Itoa(1200000000000000 + i)
		f.projects = append(f.projects, map[string]any{"gid": gid, "resource_type": "project", "name": fmt.Sprintf("Project %d", i)})
		n := map[int]int{0: 3, 7: 205}[i]
		for j := range n {
			f.tasks[gid] = append(f.tasks[gid], map[string]any{"gid": strconv.Itoa(1300000000000000 + i*1000 + j), "resource_type": "task", "name": fmt.Sprintf("Task %d of %d", j, i), "resource_subtype": "default_task"})
		}
	}
	return f
}

func (f *asanaFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(code int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": msg}}})
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		f.badAuth.Add(1)
		fail(http.StatusUnauthorized, "Not Authorized")
		return
	}
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, f.prefix), "/"), "/")
	var list []map[string]any
	switch {
	case len(segs) == 1 && segs[0] == "projects":
		list = f.projects
	case len(segs) == 3 && segs[0] == "projects" && segs[2] == "tasks":
		list = f.tasks[segs[1]]
	default:
		fail(http.StatusNotFound, "Not Found")
		return
	}
	q := r.URL.Query()
	if !q.Has("limit") {
		if q.Has("offset") {
			fail(http.StatusBadRequest, "offset: Only allowed with a limit")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": list})
		return
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > 100 {
		fail(http.StatusBadRequest, "limit: Must be between 1 and 100")
		return
	}
	start := 0
	if tok := q.Get("offset"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "after:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(raw), "after:") {
			f.numeric.Add(1)
			fail(http.StatusBadRequest, "offset: Your pagination token is invalid")
			return
		}
		start = n
	}
	end := min(start+limit, len(list))
	var next any
	if end < len(list) {
		tok := base64.RawURLEncoding.EncodeToString([]byte("after:" + strconv.Itoa(end)))
		path := strings.TrimPrefix(r.URL.Path, f.prefix) + "?limit=" + strconv.Itoa(limit) + "&offset=" + tok
		next = map[string]any{"offset": tok, "path": path, "uri": "http://" + r.Host + f.prefix + path}
	}
	page := list[start:end]
	if page == nil {
		page = []map[string]any{}
	}
	if f.tamper != nil {
		m, _ := next.(map[string]any)
		if m = f.tamper(m); m != nil {
			next = m
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": page, "next_page": next})
}

// TestAsanaGeneratedSpecLoadsEveryPage generates a spec from Asana's
// document, whose offset param is an opaque token, and runs it against
// a fake that pages as Asana's docs say: every project and every task
// must be loaded, and no made-up offset sent.
func TestAsanaGeneratedSpecLoadsEveryPage(t *testing.T) {
	g := generateVendor(t, "asana.yaml")
	f := newAsanaFake(230)
	srv := httptest.NewServer(f)
	defer srv.Close()
	db, err := g.run(t, srv.URL+f.prefix+"/", nil, map[string]string{"ASANA_TOKEN": f.token})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, g.res.YAML)
	}
	var projects, tasks []string
	for _, p := range f.projects {
		projects = append(projects, fmt.Sprintf("%s|%s", p["gid"], p["name"]))
		for _, tk := range f.tasks[p["gid"].(string)] {
			tasks = append(tasks, fmt.Sprintf("%s|%s", tk["gid"], tk["name"]))
		}
	}
	sameRows(t, db, `SELECT gid, name FROM projects ORDER BY gid`, projects)
	sameRows(t, db, `SELECT gid, name FROM tasks ORDER BY gid`, sortedCopy(tasks))
	noSecretIn(t, db, f.token)
	if n := f.badAuth.Load(); n != 0 {
		t.Errorf("%d request(s) without the personal access token", n)
	}
	if n := f.numeric.Load(); n != 0 {
		t.Errorf("%d request(s) with an offset Asana never handed out", n)
	}
}

// TestAsanaGeneratedSpecHostile runs the generated spec against Asana
// fakes gone wrong in ways its next_page allows: each must fail the run,
// naming what is wrong, with no secret in the error or the database.
func TestAsanaGeneratedSpecHostile(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(next map[string]any) map[string]any
		want   []string
	}{
		{"next page on Asana's real host", func(next map[string]any) map[string]any {
			if next != nil {
				next["uri"] = "https://app.asana.com/api/1.0" + next["path"].(string)
			}
			return next
		}, []string{"app.asana.com", "allowed_hosts"}},
		{"last page still has a next page", func(next map[string]any) map[string]any {
			if next == nil {
				return map[string]any{"offset": nil, "path": nil, "uri": nil}
			}
			return next
		}, nil},
		{"next page is the first page again", func(next map[string]any) map[string]any {
			if next != nil {
				next["uri"] = strings.Split(next["uri"].(string), "&offset=")[0]
			}
			return next
		}, []string{"next_page.uri"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := generateVendor(t, "asana.yaml")
			f := newAsanaFake(230)
			f.tamper = c.tamper
			srv := httptest.NewServer(f)
			defer srv.Close()
			db, err := g.run(t, srv.URL+f.prefix+"/", nil, map[string]string{"ASANA_TOKEN": f.token})
			noSecretIn(t, db, f.token)
			if c.want == nil {
				// A next_page whose fields are all null says no more:
				// every record, exit 0.
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				if got := rows(t, db, `SELECT count(*) FROM projects`); got[0] != "230" {
					t.Errorf("projects: %s rows, want 230", got[0])
				}
				return
			}
			mustFail(t, err, c.want, f.token)
		})
	}
}
