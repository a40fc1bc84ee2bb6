package engine_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const intercomToken = "dG9rOmU3ZDZmMmEyXzA4YjRfNDc4Yl85ZjE3XzE2YjVjMDdiOGI4YToxOjA="

// intercomAPI serves GET /contacts and POST /contacts/search as Intercom
// documents them (https://developers.intercom.com/docs/build-an-integration/learn-more/rest-apis/pagination-cursor,
// https://developers.intercom.com/docs/references/rest-api/api.intercom.io/contacts):
// the token as Bearer, per_page (default 50, at most 150) and
// starting_after, {"type": "list", "data": [...], "total_count": N,
// "pages": {"type": "pages", "next": {"page": 2, "starting_after":
// "WzE3…"}, "page": 1, "per_page": 2, "total_pages": 3}} with no
// pages.next on the last page; the search takes {"query": …,
// "pagination": {"per_page", "starting_after"}} in its body and, as
// users found, ignores a starting_after in the query string
// (https://community.intercom.com/api-webhooks-23/how-to-iterate-paginated-contacts-search-results-2038);
// a bad token is a 401 {"type": "error.list", "errors": [{"code":
// "unauthorized", "message": "Access Token Invalid"}]}.
//
// mode: "no_cursor" (page 2's pages.next has a page but no
// starting_after), "repeat" (page 2 repeats page 1's cursor), "grows" (a
// contact is created at the top of the list once page 1 is served).
type intercomAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	badAuth  int
	contacts []map[string]any
	grown    bool
}

func newIntercomAPI(mode string) *intercomAPI {
	a := &intercomAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		role := "user"
		if i%2 == 0 {
			role = "lead"
		}
		attrs := map[string]any{"plan": []string{"free", "pro"}[i%2]}
		if i == 3 || i == 4 {
			attrs["seats"] = 4 * i
		}
		tags := []map[string]any{}
		for j := 0; j < i%3; j++ {
			tags = append(tags, map[string]any{"type": "tag", "id": strconv.Itoa(7500 + j), "url": "/tags/" + strconv.Itoa(7500+j)})
		}
		a.contacts = append(a.contacts, map[string]any{
			"type": "contact", "id": fmt.Sprintf("5ba682d23d7cf92bef87bf%02d", i), "workspace_id": "ecahpwf5",
			"external_id": nil, "role": role, "email": fmt.Sprintf("joe%d@example.com", i), "name": fmt.Sprintf("Joe %d", i),
			"created_at": 1571672154 - i, "custom_attributes": attrs,
			"tags":     map[string]any{"type": "list", "data": tags, "url": "/contacts/x/tags", "total_count": len(tags), "has_more": false},
			"location": map[string]any{"type": "location", "country": "Ireland", "city": "Dublin"},
		})
	}
	return a
}

// intercomCursor is an opaque cursor shaped like the one in Intercom's
// pagination doc: base64 with "+" and "/", broken by newlines and ending
// with one ("1HaSB+xrOyyMXAkS/c1Rte…\nIncfQLD3ouPkZlCwJ86F\n"). It must
// come back byte for byte.
func intercomCursor(id string) string {
	b := base64.StdEncoding.EncodeToString([]byte(`[1571672154,"` + id + `",2]>?~`))
	return b[:20] + "\n" + b[20:] + "\n"
}

func (a *intercomAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if !curBearer(r, intercomToken) {
		a.badAuth++
		curWrite(w, 401, `{"type":"error.list","request_id":"000on04fbh8ss8sa6dlg","errors":[{"code":"unauthorized","message":"Access Token Invalid"}]}`)
		return
	}
	list := a.contacts
	perPage, after := 50, ""
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/contacts":
		q := r.URL.Query()
		perPage = curQueryInt(q, "per_page", perPage)
		after = q.Get("starting_after")
	case r.Method == http.MethodPost && r.URL.Path == "/contacts/search":
		var body struct {
			Query      struct{ Field, Operator, Value string }
			Pagination struct {
				PerPage       int    `json:"per_page"`
				StartingAfter string `json:"starting_after"`
			}
		}
		data, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(data, &body); err != nil || body.Query.Field != "role" {
			curWrite(w, 400, `{"type":"error.list","errors":[{"code":"parameter_invalid","message":"Invalid query"}]}`)
			return
		}
		list = nil
		for _, c := range a.contacts {
			if c["role"] == body.Query.Value {
				list = append(list, c)
			}
		}
		perPage, after = max(body.Pagination.PerPage, 1), body.Pagination.StartingAfter
	default:
		curWrite(w, 404, `{"type":"error.list","errors":[{"code":"not_found","message":"Resource Not Found"}]}`)
		return
	}
	start := 0
	if after != "" {
		start = -1
		for i, c := range list {
			if i > 0 && intercomCursor(list[i-1]["id"].(string)) == after {
				start = i
			}
			_ = c
		}
		if start < 0 {
			curWrite(w, 400, `{"type":"error.list","errors":[{"code":"parameter_invalid","message":"starting_after is invalid"}]}`)
			return
		}
	}
	end := min(start+perPage, len(list))
	pageNo := start/perPage + 1
	pages := map[string]any{"type": "pages", "page": pageNo, "per_page": perPage, "total_pages": (len(list) + perPage - 1) / perPage}
	if end < len(list) {
		next := map[string]any{"page": pageNo + 1, "starting_after": intercomCursor(list[end-1]["id"].(string))}
		if pageNo == 2 && a.mode == "no_cursor" {
			delete(next, "starting_after")
		}
		if pageNo == 2 && a.mode == "repeat" {
			next["starting_after"] = after
		}
		pages["next"] = next
	}
	curWrite(w, 200, curJSON(map[string]any{"type": "list", "data": list[start:end], "total_count": len(list), "pages": pages}))
	if a.mode == "grows" && !a.grown && r.URL.Path == "/contacts" {
		a.grown = true
		c := map[string]any{"type": "contact", "id": "5ba682d23d7cf92bef87bf99", "role": "user", "email": "new@example.com", "created_at": 1571672200}
		a.contacts = append([]map[string]any{c}, a.contacts...)
	}
}

func (a *intercomAPI) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv
}

func intercomRows(cs []map[string]any, role string) []string {
	var out []string
	for _, c := range cs {
		if role != "" && c["role"] != role {
			continue
		}
		attrs := c["custom_attributes"].(map[string]any)
		seats := "-"
		if s, ok := attrs["seats"]; ok {
			seats = fmt.Sprint(s)
		}
		out = append(out, fmt.Sprintf("%s|%s|%s|%d|%s|%s|%s", c["id"], c["role"], c["email"], c["created_at"], attrs["plan"], seats, c["location"].(map[string]any)["city"]))
	}
	return out
}

const intercomQuery = `SELECT id, role, email, created_at, custom_attributes__plan, coalesce(custom_attributes__seats, '-'), location__city FROM %s ORDER BY id`

// TestIntercomContacts: five contacts in pages of two (the cursor in
// pages.next.starting_after), and the two leads found by the search,
// whose cursor goes back in the JSON body; every column and tag row as
// served.
func TestIntercomContacts(t *testing.T) {
	api := newIntercomAPI("")
	srv := api.server(t)
	r := curRunSpec(t, "intercom", srv.URL, filepath.Join(t.TempDir(), "intercom.db"), map[string]string{"INTERCOM_TOKEN": intercomToken})
	r.mustLoad(t)
	intercomCheck(t, r, api)
}

// TestIntercomContactsDetected: the contacts resource without its
// paginator is paged by the detected pages.next.starting_after.
func TestIntercomContactsDetected(t *testing.T) {
	api := newIntercomAPI("")
	srv := api.server(t)
	text := curTestdata(t, "intercom")
	text = text[:strings.Index(text, "  - name: leads")]
	text = strings.Replace(text, "      paginator: {type: cursor, cursor_path: pages.next.starting_after, cursor_param: starting_after}\n", "", 1)
	if strings.Contains(text, "paginator") {
		t.Fatal("the spec variant still has a paginator")
	}
	r := curRunText(t, "intercom", text, srv.URL, filepath.Join(t.TempDir(), "intercom.db"), map[string]string{"INTERCOM_TOKEN": intercomToken})
	r.mustLoad(t)
	r.checkTable(t, fmt.Sprintf(intercomQuery, "contacts"), intercomRows(api.contacts, ""))
	if !strings.Contains(r.logs, `paginator: detected cursor (body \"pages.next.starting_after\" holds a cursor; sent as query parameter \"starting_after\")`) {
		t.Errorf("logs do not say what was detected:\n%s", r.logs)
	}
}

func intercomCheck(t *testing.T, r curRun, api *intercomAPI) {
	t.Helper()
	r.checkTable(t, fmt.Sprintf(intercomQuery, "contacts"), intercomRows(api.contacts, ""))
	r.checkTable(t, fmt.Sprintf(intercomQuery, "leads"), intercomRows(api.contacts, "lead"))
	var tags []string
	for _, c := range api.contacts {
		for _, g := range c["tags"].(map[string]any)["data"].([]map[string]any) {
			tags = append(tags, fmt.Sprintf("%s|%s", c["id"], g["id"]))
		}
	}
	r.checkTable(t, `SELECT c.id, g.id FROM contacts__tags__data g JOIN contacts c ON g._pipe_parent_id = c._pipe_id ORDER BY c.id, g._pipe_list_idx`, tags)
	if api.requests != 3+1 || api.badAuth != 0 {
		t.Errorf("requests = %d (%d without the token), want 4", api.requests, api.badAuth)
	}
	r.noSecret(t, intercomToken)
}

// TestIntercomSearchCursorInQuery: a spec that sends the search's cursor
// as a query parameter, which the API ignores, gets page 1 again with the
// same cursor: the run fails as a loop instead of loading page 1 forever
// or once.
func TestIntercomSearchCursorInQuery(t *testing.T) {
	api := newIntercomAPI("")
	api.contacts = append(api.contacts, map[string]any{"type": "contact", "id": "5ba682d23d7cf92bef87bf06", "role": "lead", "email": "l6@example.com", "created_at": 1, "custom_attributes": map[string]any{}, "location": map[string]any{}})
	srv := api.server(t)
	text := strings.Replace(curTestdata(t, "intercom"), "cursor_body_path: pagination.starting_after", "cursor_param: starting_after", 1)
	r := curRunText(t, "intercom", text, srv.URL, filepath.Join(t.TempDir(), "intercom.db"), map[string]string{"INTERCOM_TOKEN": intercomToken})
	r.mustFail(t, srv.URL, `resource "leads": page 2: POST http://api.test/contacts/search?starting_after=`)
	if !errors.Is(r.err, rest.ErrLoop) {
		t.Errorf("err = %v, want ErrLoop", r.err)
	}
	r.noRows(t, "leads", "contacts")
}

// TestIntercomHostile: a pages.next without its cursor, a cursor that
// repeats, and a contact created while the list is paged (total_count
// ends above what was read) fail the run naming the field.
func TestIntercomHostile(t *testing.T) {
	for _, tt := range []struct {
		mode  string
		err   error
		parts []string
	}{
		{"no_cursor", rest.ErrMorePages, []string{`resource "contacts": page 2: GET http://api.test/contacts?per_page=2&starting_after=`, `no cursor at cursor_path "pages.next.starting_after"`, `"total_count" is 5 and 4 records were read`}},
		{"repeat", rest.ErrLoop, []string{`resource "contacts": page 2: GET http://api.test/contacts?`, "seen before"}},
		{"grows", rest.ErrMorePages, []string{`resource "contacts": page 3: GET http://api.test/contacts?`, `"total_count" is 6 and 5 records were read`}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			api := newIntercomAPI(tt.mode)
			srv := api.server(t)
			r := curRunSpec(t, "intercom", srv.URL, filepath.Join(t.TempDir(), "intercom.db"), map[string]string{"INTERCOM_TOKEN": intercomToken})
			r.failedClean(t, srv.URL, tt.err, intercomToken, []string{"contacts", "contacts__tags__data"}, tt.parts...)
		})
	}
}

// TestIntercomBadToken: a 401 fails the run on the first page, naming the
// URL and Intercom's error, without the token.
func TestIntercomBadToken(t *testing.T) {
	api := newIntercomAPI("")
	srv := api.server(t)
	r := curRunSpec(t, "intercom", srv.URL, filepath.Join(t.TempDir(), "intercom.db"), map[string]string{"INTERCOM_TOKEN": "dG9rOndyb25n"})
	r.mustFail(t, srv.URL, `page 1:`, "401", "Access Token Invalid")
	r.noSecret(t, "dG9rOndyb25n")
}
