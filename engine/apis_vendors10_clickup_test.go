package engine_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

const clickupToken = "pk_4750201_0123456789ABCDEFGHIJKLMNOPQRSTUV"

// clickupAPI serves GET /api/v2/list/{list_id}/task as ClickUp documents
// it (https://clickup.com/api/developer-portal/authentication/,
// https://clickup.com/api/clickupreference/operation/GetTasks/): the token
// as the Authorization header, else 401 {"err": "Token invalid", "ECODE":
// "OAUTH_025"}; page from 0, a fixed page size (100; here 2); {"tasks":
// [...], "last_page"}, true on the last page and on any page past it.
// Each task's custom_fields hold a value whose type is the field's: a
// number, a string, an object, a list, or no value at all.
//
// mode: "notlast" (every page, the empty one past the end included, says
// last_page false), "ignored" (page is ignored: page 0 every time).
type clickupAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	badAuth  int
	tasks    []map[string]any
}

func newClickUpAPI(mode string) *clickupAPI {
	a := &clickupAPI{mode: mode}
	values := []any{8, "9f0e1d2c", map[string]any{"id": "u1", "username": "ann"}, []any{"a", "b"}, nil}
	for i := 1; i <= 5; i++ {
		cf := map[string]any{"id": fmt.Sprintf("0a52c486-5f05-403b-b4fd-c512ff05131%d", i%2), "name": "Estimate", "type": "number"}
		if v := values[i-1]; v != nil {
			cf["value"] = v
		}
		var parent any
		if i == 4 {
			parent = "86a1b2c3"
		}
		a.tasks = append(a.tasks, map[string]any{
			"id": fmt.Sprintf("86a1b2c%d", i), "custom_id": nil, "name": fmt.Sprintf("Task %d", i), "text_content": "",
			"status":       map[string]any{"status": []string{"to do", "complete"}[i%2], "color": "#d3d3d3", "type": "open", "orderindex": i},
			"date_created": fmt.Sprint(int64(1567780450202) + int64(i)), "date_closed": nil, "archived": false, "parent": parent,
			"assignees": []map[string]any{{"id": 183 + i, "username": fmt.Sprintf("user%d", i), "email": fmt.Sprintf("u%d@example.com", i)}},
			"tags":      []any{}, "priority": nil, "points": []any{1.5, nil, 3, nil, 0.25}[i-1], "custom_fields": []map[string]any{cf},
			"list": map[string]any{"id": "901100200300"}, "url": fmt.Sprintf("https://app.clickup.com/t/86a1b2c%d", i),
		})
	}
	return a
}

func (a *clickupAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if r.Header.Get("Authorization") != clickupToken {
		a.badAuth++
		curWrite(w, 401, `{"err": "Token invalid", "ECODE": "OAUTH_025"}`)
		return
	}
	if r.URL.Path != "/api/v2/list/901100200300/task" {
		curWrite(w, 404, `{"err": "List not found", "ECODE": "ITEM_013"}`)
		return
	}
	page := curQueryInt(r.URL.Query(), "page", 0)
	if a.mode == "ignored" {
		page = 0
	}
	const size = 2
	from := min(page*size, len(a.tasks))
	to := min(from+size, len(a.tasks))
	items := a.tasks[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	curWrite(w, 200, curJSON(map[string]any{"tasks": items, "last_page": to >= len(a.tasks) && a.mode != "notlast"}))
}

func clickupEnv() map[string]string { return map[string]string{"CLICKUP_TOKEN": clickupToken} }

// TestClickUpTasks: five tasks, two a page, pages 0 to 2 (the last says
// last_page true, so none past it is asked); points as doubles and
// NULL; date_created, milliseconds in a string, kept as that text; each
// task's custom field's value as its type makes it: a number and a
// string in value (text), an object's keys in columns of their own, a
// list in a child table.
func TestClickUpTasks(t *testing.T) {
	api := newClickUpAPI("")
	r, _ := curServe(t, api, "clickup", "", clickupEnv())
	r.mustLoad(t)
	var tasks []string
	for _, tk := range api.tasks {
		tasks = append(tasks, fmt.Sprintf("%v|%v|%v|%v|%v", tk["id"], tk["status"].(map[string]any)["status"], curNullable(tk["points"]), tk["date_created"], curNullable(tk["parent"])))
	}
	r.checkTable(t, `SELECT id, status__status, points, date_created, parent FROM tasks ORDER BY id`, tasks)
	// 8, "9f0e1d2c", {"id", "username"}, ["a", "b"], no value: the number
	// and the string share value (widened to text), the object's keys
	// are columns, the list a child table
	r.checkTable(t, `SELECT t.id, c.value, typeof(c.value), c.value__id, c.value__username FROM tasks t JOIN tasks__custom_fields c ON c._pipe_parent_id = t._pipe_id ORDER BY t.id`, []string{
		"86a1b2c1|8|text|<nil>|<nil>", "86a1b2c2|9f0e1d2c|text|<nil>|<nil>", "86a1b2c3|<nil>|null|u1|ann", "86a1b2c4|<nil>|null|<nil>|<nil>", "86a1b2c5|<nil>|null|<nil>|<nil>",
	})
	r.checkTable(t, `SELECT t.id, v.value FROM tasks t JOIN tasks__custom_fields c ON c._pipe_parent_id = t._pipe_id JOIN tasks__custom_fields__value v ON v._pipe_parent_id = c._pipe_id ORDER BY t.id, v._pipe_list_idx`, []string{
		"86a1b2c4|a", "86a1b2c4|b",
	})
	r.noSecret(t, clickupToken)
	if api.requests > 4 || api.badAuth != 0 {
		t.Errorf("%d requests (%d without the token), want 3 or 4 (0)", api.requests, api.badAuth)
	}
}

// TestClickUpHostile: pages that all say last_page false end on the empty
// page past the last, which must fail naming last_page; an API that
// ignores page fails (its answers repeat byte for byte, and the error
// says so without naming page_param: see the report of round 10).
func TestClickUpHostile(t *testing.T) {
	for _, c := range []struct {
		mode  string
		parts []string
	}{
		{"notlast", []string{`resource "tasks": page 4`, "page=3", `"last_page"`}},
		{"ignored", []string{`resource "tasks": page 2`, "page=1", "response identical to page 1"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newClickUpAPI(c.mode)
			r, srvURL := curServe(t, api, "clickup", "", clickupEnv())
			r.failedClean(t, srvURL, nil, clickupToken, []string{"tasks"}, c.parts...)
			t.Log(r.err)
		})
	}
}

// TestIgnoredPagingParamNamed: an API that ignores the paging parameter
// answers the first page again byte for byte; the run fails (above), and
// its error should name the setting that carries the parameter, as the
// paginators' own loop checks do (page_param for ClickUp's page, cursor_param
// for Discord's before, offset_param for Pipedrive's start).
func TestIgnoredPagingParamNamed(t *testing.T) {
	t.Skip(`bug: "response identical to page 1: pagination loop" names no setting (engine/rest/pages.go walk.accept: add the paginator's parameter, as its own same-records check says "the API ignores page_param ...")`)
	clickup := newClickUpAPI("ignored")
	r, srvURL := curServe(t, clickup, "clickup", "", clickupEnv())
	r.mustFail(t, srvURL, "page=1", `page_param "page"`)
	discord := newDiscordAPI("nobefore")
	r, srvURL = curServe(t, discord, "discord", "", discordEnv())
	r.mustFail(t, srvURL, "before=", `cursor_param "before"`)
	pipedrive := newPipedriveAPI("nostart")
	r, srvURL = curServe(t, pipedrive, "pipedrive", "", pipedriveEnv())
	r.mustFail(t, srvURL, "start=2", `offset_param "start"`)
}
