package engine_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
)

const (
	wizClientID = "kqxrbz4kmjhjtnhxh4tgtsvw6ma4ngxwqs6mcmmpr5kz3dngomrjm"
	wizSecret   = "wiz-secret-Rk9PQkFSQkFaUVVYMDEyMzQ1Njc4OWFiY2RlZg"
	wizToken1   = "eyJhbGciOiJSUzI1NiJ9.wiz-token-one.sig"
	wizToken2   = "eyJhbGciOiJSUzI1NiJ9.wiz-token-two.sig"
)

func wizEnv() map[string]string {
	return map[string]string{"WIZ_CLIENT_ID": wizClientID, "WIZ_CLIENT_SECRET": wizSecret}
}

// wizAuth serves https://auth.app.wiz.io/oauth/token as the Wiz docs
// quoted by https://www.stitchflow.com/user-management/wiz/api show it: a
// form POST of grant_type=client_credentials, client_id, client_secret and
// audience=wiz-api, answered {"access_token", "refresh_token",
// "expires_in": 86400, "token_type": "Bearer"}; tokens are handed out in
// turn (wizToken1, then wizToken2).
type wizAuth struct {
	mu     sync.Mutex
	issued int
}

func (a *wizAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r.ParseForm()
	if r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("client_id") != wizClientID || r.Form.Get("client_secret") != wizSecret || r.Form.Get("audience") != "wiz-api" {
		curWrite(w, 401, `{"error": "access_denied", "error_description": "Unauthorized"}`)
		return
	}
	a.issued++
	tok := wizToken1
	if a.issued > 1 {
		tok = wizToken2
	}
	curWrite(w, 200, `{"access_token": "`+tok+`", "refresh_token": "eyJjdHkiOiJKV1Qi.refresh", "expires_in": 86400, "token_type": "Bearer"}`)
}

// wizAPI serves POST /graphql's issuesV2 query as the Wiz docs quoted by
// https://www.stitchflow.com/user-management/wiz/api and
// https://docs.swimlane.com/connectors/pull-audit-logs describe it: a
// Bearer token (else {"errors": [{"message": "Unauthorized",
// "extensions": {"code": "UNAUTHENTICATED"}}], "data": null} with a 401),
// {"query", "variables": {"first", "after", "filterBy": {"updatedAt":
// {"after"}}}}; {"data": {"issuesV2": {"nodes": [...], "pageInfo":
// {"hasNextPage", "endCursor"}, "totalCount"}}}.
//
// mode: "partial" (the second page holds nodes and a GraphQL error
// beside them), "nocursor" (the second page says hasNextPage true with
// endCursor null), "expired" (the first token is refused from the second
// page on, as an expired one is).
type wizAPI struct {
	mode     string
	mu       sync.Mutex
	issues   []map[string]any
	bodies   []string
	requests int
}

func wizIssue(i int, updated string) map[string]any {
	return map[string]any{
		"id": fmt.Sprintf("fff9cffd-64a2-412c-9fb2-9c0c1c7d3f%02d", i), "status": "OPEN", "severity": []string{"HIGH", "CRITICAL", "MEDIUM"}[i%3],
		"createdAt": fmt.Sprintf("2024-02-0%dT12:00:00.000Z", i), "updatedAt": updated,
		"sourceRule":     map[string]any{"id": fmt.Sprintf("wc-id-%d", 1000+i), "name": "S3 bucket is publicly accessible"},
		"entitySnapshot": map[string]any{"id": fmt.Sprintf("e-%d", i), "type": "BUCKET", "name": fmt.Sprintf("acme-logs-%d", i), "cloudPlatform": "AWS"},
		"projects":       []map[string]any{{"id": "83b76efe-a7b6-5762-8a53-8e8f59e68bd8", "name": "Production"}},
	}
}

func newWizAPI(mode string) *wizAPI {
	a := &wizAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		a.issues = append(a.issues, wizIssue(i, fmt.Sprintf("2024-03-0%dT08:30:00.000Z", i)))
	}
	return a
}

func wizCursor(i int) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf(`{"offset":%d}`, i)))
}

func (a *wizAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	raw, _ := io.ReadAll(r.Body)
	auth := r.Header.Get("Authorization")
	ok := auth == "Bearer "+wizToken2 || auth == "Bearer "+wizToken1 && !(a.mode == "expired" && len(a.bodies) >= 1)
	if !ok {
		curWrite(w, 401, `{"errors": [{"message": "Unauthorized", "extensions": {"code": "UNAUTHENTICATED"}}], "data": null}`)
		return
	}
	a.bodies = append(a.bodies, string(raw))
	var req struct {
		Query     string `json:"query"`
		Variables struct {
			First    int     `json:"first"`
			After    *string `json:"after"`
			FilterBy struct {
				UpdatedAt struct {
					After string `json:"after"`
				} `json:"updatedAt"`
			} `json:"filterBy"`
		} `json:"variables"`
	}
	if r.Method != http.MethodPost || r.URL.Path != "/graphql" || json.Unmarshal(raw, &req) != nil || req.Query == "" {
		curWrite(w, 400, `{"errors": [{"message": "Must provide query string."}]}`)
		return
	}
	var list []map[string]any
	for _, is := range a.issues {
		if is["updatedAt"].(string) > req.Variables.FilterBy.UpdatedAt.After {
			list = append(list, is)
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i]["updatedAt"].(string) < list[j]["updatedAt"].(string) })
	from := 0
	if req.Variables.After != nil {
		b, _ := base64.StdEncoding.DecodeString(*req.Variables.After)
		fmt.Sscanf(string(b), `{"offset":%d}`, &from)
	}
	first := req.Variables.First
	if first <= 0 || first > 500 {
		first = 500
	}
	to := min(from+first, len(list))
	nodes := list[min(from, len(list)):to]
	if nodes == nil {
		nodes = []map[string]any{}
	}
	info := map[string]any{"hasNextPage": to < len(list), "endCursor": wizCursor(to)}
	if to >= len(list) {
		info["endCursor"] = nil
	}
	body := map[string]any{"data": map[string]any{"issuesV2": map[string]any{"nodes": nodes, "pageInfo": info, "totalCount": len(list)}}}
	if from > 0 {
		switch a.mode {
		case "partial":
			body["errors"] = []map[string]any{{"message": "Internal server error while resolving entitySnapshot", "path": []any{"issuesV2", "nodes", 0, "entitySnapshot"}, "extensions": map[string]any{"code": "INTERNAL_SERVER_ERROR"}}}
		case "nocursor":
			info["hasNextPage"], info["endCursor"] = true, nil
		}
	}
	curWrite(w, 200, curJSON(body))
}

func (a *wizAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var issues, projects []string
	for _, is := range a.issues {
		e := is["entitySnapshot"].(map[string]any)
		issues = append(issues, fmt.Sprintf("%v|%v|%v|%v|%v", is["id"], is["severity"], is["sourceRule"].(map[string]any)["name"], e["name"], e["cloudPlatform"]))
		for _, p := range is["projects"].([]map[string]any) {
			projects = append(projects, fmt.Sprintf("%v|%v", is["id"], p["name"]))
		}
	}
	r.checkTable(t, `SELECT id, severity, source_rule__name, entity_snapshot__name, entity_snapshot__cloud_platform FROM issues ORDER BY id`, issues)
	r.checkTable(t, `SELECT i.id, p.name FROM issues i JOIN issues__projects p ON p._pipe_parent_id = i._pipe_id ORDER BY i.id`, projects)
	for _, s := range []string{wizSecret, wizToken1, wizToken2} {
		r.noSecret(t, s)
	}
}

// wizServe runs the spec against api, its token URL on auth.
func wizServe(t *testing.T, api *wizAPI, auth http.Handler) (curRun, string, *vendorOrigin) {
	t.Helper()
	login := newVendorOrigin(t, auth)
	r, srvURL := v13Serve(t, api, "wiz", v13Spec(t, "wiz", "https://auth.app.wiz.io", login.srv.URL), wizEnv())
	return r, srvURL, login
}

// TestWizIssues: a token got with audience=wiz-api, five issues two a
// page by pageInfo.endCursor sent back as variables.after in the POST
// body beside the query and the filter; projects as a child table.
func TestWizIssues(t *testing.T) {
	api := newWizAPI("")
	r, _, login := wizServe(t, api, &wizAuth{})
	r.mustLoad(t)
	api.check(t, r)
	if n := login.requests(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	var afters []string
	for _, b := range v13Locked(&api.mu, func() []string { return api.bodies }) {
		var v struct {
			Variables map[string]any `json:"variables"`
		}
		json.Unmarshal([]byte(b), &v)
		afters = append(afters, fmt.Sprintf("%v|%v|%v", curNullable(v.Variables["after"]), v.Variables["first"], v.Variables["filterBy"]))
	}
	curSameRows(t, "variables", afters, []string{
		"<nil>|2|map[updatedAt:map[after:2024-01-01T00:00:00Z]]",
		wizCursor(2) + "|2|map[updatedAt:map[after:2024-01-01T00:00:00Z]]",
		wizCursor(4) + "|2|map[updatedAt:map[after:2024-01-01T00:00:00Z]]",
	})
}

// TestWizIssuesSecondRun: the second run sends the largest updatedAt
// loaded as filterBy.updatedAt.after inside the JSON body's variables and
// merges the issue resolved since.
func TestWizIssuesSecondRun(t *testing.T) {
	api := newWizAPI("")
	r, srvURL, login := wizServe(t, api, &wizAuth{})
	r.mustLoad(t)
	api.mu.Lock()
	api.issues[0]["status"], api.issues[0]["updatedAt"] = "RESOLVED", "2024-03-09T00:00:00.000Z"
	api.bodies = nil
	api.mu.Unlock()
	r2 := v13Run(t, "wiz", v13Spec(t, "wiz", "https://auth.app.wiz.io", login.srv.URL), srvURL, r.db, wizEnv())
	r2.mustLoad(t)
	api.check(t, r2)
	r2.checkTable(t, `SELECT id, status FROM issues WHERE status != 'OPEN'`, []string{api.issues[0]["id"].(string) + "|RESOLVED"})
	if bodies := v13Locked(&api.mu, func() []string { return api.bodies }); len(bodies) != 1 || !strings.Contains(bodies[0], `"filterBy":{"updatedAt":{"after":"2024-03-05T08:30:00.000Z"}}`) {
		t.Errorf("second run bodies %q, want one with filterBy.updatedAt.after the saved cursor", bodies)
	}
}

// TestWizTokenExpired: the API refuses the first token from the second
// page on; pipe gets a new token once and the walk completes.
func TestWizTokenExpired(t *testing.T) {
	api := newWizAPI("expired")
	r, _, login := wizServe(t, api, &wizAuth{})
	r.mustLoad(t)
	api.check(t, r)
	if n := login.requests(); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
}

// TestWizHostile: a page with nodes beside a GraphQL error fails naming
// errors; hasNextPage true with a null endCursor fails naming
// hasNextPage; nothing loaded, no credential anywhere.
func TestWizHostile(t *testing.T) {
	for _, c := range []struct {
		mode  string
		parts []string
	}{
		{"partial", []string{`resource "issues"`, `"errors"`}},
		{"nocursor", []string{`resource "issues"`, "hasNextPage"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newWizAPI(c.mode)
			r, srvURL, _ := wizServe(t, api, &wizAuth{})
			r.failedClean(t, srvURL, nil, wizSecret, []string{"issues"}, c.parts...)
			r.noSecret(t, wizToken1)
			t.Log(r.err)
		})
	}
}
