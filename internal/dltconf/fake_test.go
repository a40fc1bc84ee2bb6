package dltconf

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeAPI replays the API shapes the corpus assumes, one sub-tree per
// case (/blog/..., /github/...), and records every request it serves.
type fakeAPI struct {
	mu       sync.Mutex
	requests []string
	srv      *httptest.Server
}

func newFakeAPI(t *testing.T) *fakeAPI {
	a := &fakeAPI{}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

// sent returns the requests served, sorted (children run concurrently),
// each "METHOD /path?query" with the query sorted by name.
func (a *fakeAPI) sent() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := append([]string(nil), a.requests...)
	sort.Strings(out)
	return out
}

func (a *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	line := r.Method + " " + r.URL.EscapedPath()
	if q := r.URL.Query().Encode(); q != "" {
		line += "?" + q
	}
	a.mu.Lock()
	a.requests = append(a.requests, line)
	a.mu.Unlock()
	seg := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	q := r.URL.Query()
	switch name := seg[0]; {
	case name == "blog" && len(seg) == 2:
		// Posts updated since the since parameter, newest first, paged by
		// a next link at the top of the body.
		var list []any
		for i := 1; i <= 3; i++ {
			if ts := fmt.Sprintf("2024-02-0%dT00:00:00Z", i); ts >= q.Get("since") {
				list = append(list, map[string]any{"id": i, "title": fmt.Sprintf("Post %d", i), "updated_at": ts})
			}
		}
		writeJSON(w, map[string]any{"data": list, "next": nil})
	case name == "blog" && len(seg) == 4:
		id, _ := strconv.Atoi(seg[2])
		writeJSON(w, []any{
			map[string]any{"id": id*10 + 1, "post_id": id, "body": "first"},
			map[string]any{"id": id*10 + 2, "post_id": id, "body": "second"},
		})
	case name == "pokemon":
		// PokeAPI: {count, next, previous, results}; next is null on the
		// last page.
		kind := seg[len(seg)-1] // /pokemon/api/v2/KIND
		names := map[string][]string{"pokemon": {"bulbasaur", "ivysaur", "venusaur"}, "berry": {"cheri", "chesto"}, "location": {"canalave-city"}}[kind]
		var results []any
		for i, n := range names {
			results = append(results, map[string]any{"name": n, "url": fmt.Sprintf("https://pokeapi.co/api/v2/%s/%d/", kind, i+1)})
		}
		writeJSON(w, map[string]any{"count": len(names), "next": nil, "previous": nil, "results": results})
	case name == "github":
		a.github(w, r, seg[1:])
	case name == "page_number":
		// Three pages of two items; total_pages in every body.
		page, _ := strconv.Atoi(q.Get("page"))
		var items []any
		for i := 2*page - 1; i <= 2*page && page >= 1 && page <= 3; i++ {
			items = append(items, map[string]any{"id": i, "updated_at": fmt.Sprintf("2024-01-0%dT00:00:00Z", i)})
		}
		writeJSON(w, map[string]any{"items": items, "total_pages": 3, "page": page})
	case name == "response_actions" && len(seg) == 2:
		writeJSON(w, []any{map[string]any{"id": 1}, map[string]any{"id": 2}, map[string]any{"id": 3}})
	case name == "response_actions":
		switch seg[2] {
		case "2":
			http.Error(w, `{"error":"no such post"}`, http.StatusNotFound)
		case "3":
			writeJSON(w, map[string]any{"message": "Not found"})
		default:
			writeJSON(w, []any{map[string]any{"id": 11, "text": "hello"}})
		}
	case name == "json_link":
		// Orders created after created_after, two pages linked by
		// pagination.next.
		after := q.Get("created_after")
		if q.Get("page") == "2" {
			writeJSON(w, map[string]any{"orders": []any{map[string]any{"id": 3, "created_at": "2024-03-03T00:00:00Z", "total": 7.5}}, "pagination": map[string]any{"next": nil}})
			return
		}
		if after != "2024-03-01T00:00:00Z" {
			http.Error(w, "created_after missing", http.StatusBadRequest)
			return
		}
		next := "http://" + r.Host + "/json_link/orders?created_after=" + after + "&page=2"
		writeJSON(w, map[string]any{"orders": []any{
			map[string]any{"id": 1, "created_at": "2024-03-01T00:00:00Z", "total": 10},
			map[string]any{"id": 2, "created_at": "2024-03-02T00:00:00Z", "total": 20},
		}, "pagination": map[string]any{"next": next}})
	case name == "oauth2":
		a.oauth2(w, r, seg[1:])
	case name == "cursor":
		// Three events, two per page; the cursor is the next event's id.
		from, _ := strconv.Atoi(q.Get("cursor"))
		if from == 0 {
			from = 1
		}
		var events []any
		for i := from; i < from+2 && i <= 3; i++ {
			events = append(events, map[string]any{"id": i, "kind": "push"})
		}
		cursors := map[string]any{"next": nil}
		if from+2 <= 3 {
			cursors["next"] = strconv.Itoa(from + 2)
		}
		writeJSON(w, map[string]any{"events": events, "cursors": cursors})
	case name == "jsonpath" && seg[1] == "builds":
		// Five builds, two per page, after the fromBuild id; the body is
		// the bare array.
		after, _ := strconv.Atoi(q.Get("fromBuild"))
		builds := []any{}
		for i := after + 1; i <= after+2 && i <= 5; i++ {
			builds = append(builds, map[string]any{"id": i, "status": "passed"})
		}
		writeJSON(w, builds)
	case name == "jsonpath" && seg[1] == "items":
		// Django REST framework's page: count, next (absolute), previous,
		// results; three items, two per page.
		page, _ := strconv.Atoi(q.Get("page"))
		page = max(page, 1)
		var results []any
		for i := 2*page - 1; i <= 2*page && i <= 3; i++ {
			results = append(results, map[string]any{"id": i, "name": fmt.Sprintf("item %d", i)})
		}
		var next any
		if page == 1 {
			next = "http://" + r.Host + "/jsonpath/items?page=2"
		}
		writeJSON(w, map[string]any{"count": 3, "next": next, "previous": nil, "results": results})
	case name == "jsonpath" && seg[1] == "account":
		writeJSON(w, map[string]any{"id": "acc_1", "name": "Acme", "plan": map[string]any{"tier": "pro"}})
	case name == "offset":
		// Five users; offset and limit honoured, total in the body.
		off, _ := strconv.Atoi(q.Get("offset"))
		lim, _ := strconv.Atoi(q.Get("limit"))
		var users []any
		for i := off + 1; i <= off+lim && i <= 5; i++ {
			users = append(users, map[string]any{"id": i, "userName": fmt.Sprintf("user%d", i)})
		}
		writeJSON(w, map[string]any{"users": users, "total": 5})
	case name == "nested":
		writeJSON(w, []any{
			map[string]any{"id": 1, "customer": map[string]any{"firstName": "Ada", "address": map[string]any{"city": "London"}},
				"line_items": []any{map[string]any{"sku": "A", "qty": 1}, map[string]any{"sku": "B", "qty": 2}},
				"tags":       []any{"gift", "express"}},
			map[string]any{"id": 2, "customer": map[string]any{"firstName": "Alan", "address": map[string]any{"city": "Wilmslow"}},
				"line_items": []any{map[string]any{"sku": "C", "qty": 3}}, "tags": []any{}},
		})
	case name == "processing_steps":
		writeJSON(w, []any{
			map[string]any{"id": 1, "status": "active", "full_name": "Ada Lovelace", "password_hash": "x1"},
			map[string]any{"id": 2, "status": "disabled", "full_name": "Alan Turing", "password_hash": "x2"},
			map[string]any{"id": 3, "status": "active", "full_name": "Grace Hopper", "password_hash": "x3"},
		})
	case name == "numeric_cursor":
		// A search that wants after_id as a JSON number, not a string.
		var body struct {
			AfterID json.RawMessage `json:"after_id"`
			Limit   int             `json:"limit"`
		}
		err := json.NewDecoder(r.Body).Decode(&body)
		after, perr := strconv.ParseInt(string(body.AfterID), 10, 64) // fails on "2"
		if err != nil || perr != nil || r.Method != http.MethodPost {
			http.Error(w, `{"error":"after_id must be a number"}`, http.StatusBadRequest)
			return
		}
		var events []any
		for i := after + 1; i <= 5; i++ {
			events = append(events, map[string]any{"id": i, "name": fmt.Sprintf("event %d", i)})
		}
		writeJSON(w, map[string]any{"events": events})
	case name == "raw_body":
		// A GraphQL endpoint: the query is the raw body, as written.
		b, _ := io.ReadAll(r.Body)
		want := `{"query": "{ users(since: \"2024-05-01\") { id } }"}`
		if r.Method != http.MethodPost || string(b) != want || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, `{"errors":[{"message":"bad query"}]}`, http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]any{"data": map[string]any{"users": []any{map[string]any{"id": 1}, map[string]any{"id": 2}}}})
	case name == "api_key":
		if q.Get("api_key") != "k-123" {
			http.Error(w, `{"error":"invalid api key"}`, http.StatusUnauthorized)
			return
		}
		writeJSON(w, []any{map[string]any{"id": "st-1", "region": seg[1]}, map[string]any{"id": "st-2", "region": seg[1]}})
	default:
		http.NotFound(w, r)
	}
}

// github serves issues paged by RFC 8288 Link headers (per_page
// honoured) and one comment per issue, behind a bearer token.
func (a *fakeAPI) github(w http.ResponseWriter, r *http.Request, seg []string) {
	if r.Header.Get("Authorization") != "Bearer gh-token" {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	// seg: repos dlt-hub dlt issues [N comments]
	if len(seg) == 6 {
		n, _ := strconv.Atoi(seg[4])
		writeJSON(w, []any{map[string]any{"id": 1000 + n, "body": fmt.Sprintf("comment on #%d", n)}})
		return
	}
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	if page == 0 {
		page = 1
	}
	per, _ := strconv.Atoi(q.Get("per_page"))
	const total = 3
	var issues []any
	for i := (page-1)*per + 1; i <= page*per && i <= total; i++ {
		issues = append(issues, map[string]any{"id": 500 + i, "number": i, "title": fmt.Sprintf("Issue %d", i),
			"updated_at": fmt.Sprintf("2024-02-0%dT00:00:00Z", 4-i), "user": map[string]any{"login": "octocat"}})
	}
	if page*per < total {
		q.Set("page", strconv.Itoa(page+1))
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?%s>; rel="next"`, r.Host, r.URL.Path, q.Encode()))
	}
	writeJSON(w, issues)
}

// oauth2 serves a client-credentials token endpoint (RFC 6749 4.4) that
// takes the client's credentials in the form body (client_secret_post,
// what dlt's OAuth2ClientCredentials sends) and replies without
// expires_in, and an API that wants its token.
func (a *fakeAPI) oauth2(w http.ResponseWriter, r *http.Request, seg []string) {
	if seg[0] == "oauth" {
		err := r.ParseForm()
		id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		if err != nil || r.Method != http.MethodPost || id != "cid" || secret != "csecret" ||
			r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("audience") != "http://"+r.Host+"/oauth2" /* https://api.example.com as the test rewrites it */ {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		writeJSON(w, map[string]any{"access_token": "at-1", "token_type": "Bearer"})
		return
	}
	if r.Header.Get("Authorization") != "Bearer at-1" {
		http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
		return
	}
	writeJSON(w, map[string]any{"data": []any{map[string]any{"id": "acc_1", "plan": "pro"}, map[string]any{"id": "acc_2", "plan": "free"}}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
