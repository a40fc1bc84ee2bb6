package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

// graphUsers serves GET /v1.0/users as Microsoft Graph documents it
// ("List users", https://learn.microsoft.com/graph/api/user-list, and
// "Paging Microsoft Graph data in your app",
// https://learn.microsoft.com/graph/paging): {"@odata.context", "value":
// [...], "@odata.nextLink"}; $top sets the page size (1..999), the next
// link is the whole URL with an opaque $skiptoken and every other query
// parameter of the first request, absent on the last page. Errors are
// {"error": {"code", "message", "innerError"}}; throttling is a 429 with
// Retry-After.
type graphUsers struct {
	total   int
	mode    atomic.Value // string: "" or a hostile variant
	foreign string
	served  atomic.Int32 // requests answered with 200
}

const graphToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.graphS3CRET"

func (g *graphUsers) user(n int) string {
	job := "null"
	if n%2 == 0 {
		job = fmt.Sprintf(`"Engineer %d"`, n)
	}
	phones := `[]`
	if n%3 == 0 {
		phones = fmt.Sprintf(`["+1 425 555 01%02d","+1 425 555 02%02d"]`, n, n)
	}
	return fmt.Sprintf(`{"id":"87d349ed-44d7-43e1-9a83-5f2406dee%03d","displayName":"User %d","givenName":"Given%d","surname":"Sur%d","mail":"user%d@contoso.com","jobTitle":%s,"businessPhones":%s,"accountEnabled":%t,"createdDateTime":"2023-0%d-15T08:30:00Z"}`,
		n, n, n, n, n, job, phones, n%4 != 0, 1+n%9)
}

func graphError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q,"innerError":{"date":"2024-03-01T10:00:00","request-id":"4fa8171b"}}}`, code, msg)
}

func (g *graphUsers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+graphToken {
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure.")
		return
	}
	if r.URL.Path != "/v1.0/users" {
		graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource not found.")
		return
	}
	q := r.URL.Query()
	top, err := strconv.Atoi(q.Get("$top"))
	if err != nil || top < 1 || top > 999 {
		graphError(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Invalid page size specified: '"+q.Get("$top")+"'. Must be between 1 and 999 inclusive.")
		return
	}
	offset, resumed := 0, false
	if tok := q.Get("$skiptoken"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, "RFNwdAIAAQAAAD8"))
		var pos string
		pos, resumed = strings.CutSuffix(string(raw), "r")
		n, err2 := strconv.Atoi(pos)
		if err != nil || err2 != nil {
			graphError(w, http.StatusBadRequest, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
			return
		}
		offset = n
	}
	mode, _ := g.mode.Load().(string)
	if mode == "throttle" && offset == top && g.served.Load() < 2 {
		// Page 2 is throttled once.
		g.served.Add(1)
		w.Header().Set("Retry-After", "2")
		graphError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests.")
		return
	}
	if mode == "error200" && offset > 0 {
		graphError(w, http.StatusOK, "UnknownError", "")
		return
	}
	var items []string
	end, next := min(offset+top, g.total), strconv.Itoa(offset+top)
	// As delta queries do, an empty page (the first, or one in the
	// middle) with a next link that resumes where it stood.
	if !resumed && ((mode == "emptymid" && offset == top) || (mode == "emptyfirst" && offset == 0)) {
		end, next = offset, strconv.Itoa(offset)+"r"
	}
	if mode == "emptyforever" && offset >= top {
		// Past page 1, empty pages whose links advance forever.
		end, next = offset, strconv.Itoa(offset+top)
	}
	for n := offset + 1; n <= end; n++ {
		items = append(items, g.user(n))
	}
	body := `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(id,displayName)","value":[` + strings.Join(items, ",") + `]`
	if end < g.total || mode == "emptyforever" {
		q.Set("$skiptoken", "RFNwdAIAAQAAAD8"+base64.RawURLEncoding.EncodeToString([]byte(next)))
		link := "http://" + r.Host + "/v1.0/users?" + q.Encode()
		if mode == "foreign" && offset > 0 {
			link = g.foreign + "/v1.0/users?" + q.Encode()
		}
		body += `,"@odata.nextLink":"` + link + `"`
	}
	g.served.Add(1)
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal")
	fmt.Fprint(w, body+"}")
}

var graphCols = []string{"id", "display_name", "given_name", "surname", "mail", "job_title", "account_enabled", "created_date_time"}

// graphWant is the users table and users__business_phones as the fake
// served users 1..total.
func graphWant(total int) (users, phones []string) {
	for n := 1; n <= total; n++ {
		job := "NULL"
		if n%2 == 0 {
			job = fmt.Sprintf("'Engineer %d'", n)
		}
		enabled := 1
		if n%4 == 0 {
			enabled = 0
		}
		users = append(users, fmt.Sprintf("'87d349ed-44d7-43e1-9a83-5f2406dee%03d'|'User %d'|'Given%d'|'Sur%d'|'user%d@contoso.com'|%s|%d|'2023-0%d-15T08:30:00.000000000Z'",
			n, n, n, n, n, job, enabled, 1+n%9))
		if n%3 == 0 {
			phones = append(phones, fmt.Sprintf("'87d349ed-44d7-43e1-9a83-5f2406dee%03d'|'+1 425 555 01%02d'", n, n), fmt.Sprintf("'87d349ed-44d7-43e1-9a83-5f2406dee%03d'|'+1 425 555 02%02d'", n, n))
		}
	}
	return users, phones
}

// TestGraphUsersLoadExactly follows "@odata.nextLink", written in the
// spec as the docs spell it, through every page (a throttled page
// retried after Retry-After; an empty page, first or in the middle, that
// links the next one, as delta queries serve: "If Microsoft Graph returns
// a @odata.nextLink URL, there are more pages of data to retrieve in the
// session, even if the current response contains an empty result",
// https://learn.microsoft.com/graph/delta-query-overview): every user
// once, with their phones as child rows.
func TestGraphUsersLoadExactly(t *testing.T) {
	for _, mode := range []string{"", "throttle", "emptymid", "emptyfirst"} {
		t.Run("mode="+mode, func(t *testing.T) {
			api := &graphUsers{total: 8}
			api.mode.Store(mode)
			srv := newLinksServer(t, graphToken, api)
			db := filepath.Join(t.TempDir(), "graph.db")
			if _, err := linksLoad(t, "graph", srv.URL, db, map[string]string{"GRAPH_TOKEN": graphToken}); err != nil {
				t.Fatal(err)
			}
			users, phones := graphWant(8)
			linksCompare(t, "users", linksTable(t, db, "users", "id", graphCols...), users)
			linksCompare(t, "users__business_phones", linksRows(t, db, `SELECT quote(u.id)||'|'||quote(p.value) FROM users__business_phones p JOIN users u ON p._pipe_parent_id = u._pipe_id ORDER BY u.id, p._pipe_list_idx`), phones)
		})
	}
}

// TestGraphHostileLinks: a next link to another host (a sovereign cloud
// the spec does not name) fails before anything is sent there; empty
// pages whose links advance forever fail after ten in a row; a 200
// that holds Graph's error object and a bad token fail naming the
// resource and the URL, never the token; nothing is loaded.
func TestGraphHostileLinks(t *testing.T) {
	runHostileLinks(t, linksVendor{name: "graph", table: "users", cred: graphToken, empty: `{"value":[]}`,
		env: func(cred string) map[string]string { return map[string]string{"GRAPH_TOKEN": cred} },
		api: func(foreign, mode string) http.Handler {
			a := &graphUsers{total: 8, foreign: foreign}
			a.mode.Store(mode)
			return a
		},
	}, []linksHostile{
		{mode: "foreign", sentinel: rest.ErrOutOfScope, msgs: []string{`resource "users": page 3: GET http://127.0.0.1:`, "origin not allowed", "client.allowed_hosts"}},
		{mode: "emptyforever", sentinel: rest.ErrLoop, msgs: []string{`resource "users": page 11: GET http://api.test/v1.0/users?%24select=`, "json_link: 10 empty pages in a row, each linking another: pagination loop"}},
		{mode: "error200", msgs: []string{`resource "users": page 2: GET http://api.test/v1.0/users?%24select=`, `data_selector "value" not found in the response (it holds keys "error")`}},
		{cred: "wrong", sentinel: rest.ErrUnauthorized, msgs: []string{`resource "users": page 1: GET http://api.test/v1.0/users?%24select=`, "401"}},
	})
}

// TestGraphWrongNextPathFails: a spec whose paginator does not read
// "@odata.nextLink" (next_url_path "nextLink", or header_link) stops
// after page 1; the end check must then see the link that is still in
// the body and fail naming it (it once exited 0 with 3 of 8 users, the
// end check reading only keys that begin with "next").
func TestGraphWrongNextPathFails(t *testing.T) {
	for _, pager := range []string{`{type: json_link, next_url_path: nextLink}`, `{type: header_link}`} {
		t.Run(pager, func(t *testing.T) {
			api := &graphUsers{total: 8}
			srv := newLinksServer(t, graphToken, api)
			spec := strings.Replace(string(linksSpec(t, "graph")), `{type: json_link, next_url_path: "@odata.nextLink"}`, pager, 1)
			db := filepath.Join(t.TempDir(), "graph.db")
			rep, err := runInto(t, specPlan(t, "graph.yml", []byte(spec), srv.URL), db, linksOpts(map[string]string{"GRAPH_TOKEN": graphToken}))
			linksFailed(t, rep, err, rest.ErrMorePages, srv.URL, graphToken, db, "users", `resource "users": page 1`, `odata\\.nextLink" still holds the link`, "set json_link with next_url_path")
		})
	}
}
