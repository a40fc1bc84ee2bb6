package engine_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"
)

const (
	nc2AwxUser     = "svc-pipe"
	nc2AwxPassword = "Tr0ub4dor&3:horse"
)

// nc2Awx serves AWX's API v2 as
// https://docs.ansible.com/ansible-tower/latest/html/administration/oauth2_token_auth.html
// and https://docs.ansible.com/ansible-tower/latest/html/towerapi/pagination.html
// describe it: POST /api/v2/tokens/ with Authorization: Basic and a JSON
// body {"description", "application": null, "scope": "read"} answers 201
// {"id", "type": "o_auth2_access_token", "token", "refresh_token": null,
// "expires": "…Z" (microseconds), "scope", …}; every other request needs
// Authorization: Bearer with a token not expired (else 401 {"detail":
// "Authentication credentials were not provided."}); GET
// /api/v2/job_templates/?page_size=&order_by=id answers {"count",
// "next": "/api/v2/job_templates/?order_by=id&page=2&page_size=2" or
// null, "previous", "results"}; GET /api/v2/credentials/{id}/ answers the
// credential, secret inputs as "$encrypted$", 404 {"detail": "Not
// found."} for an unknown id.
//
// Knobs: expires (the "expires" value for a token's instant; nil leaves
// the field out), life (a token's lifetime).
type nc2Awx struct {
	expires func(at time.Time) any
	life    time.Duration

	mu      sync.Mutex
	tokens  map[string]time.Time
	logins  []string // body of each token request
	credGet []string
}

func newNc2Awx() *nc2Awx {
	return &nc2Awx{life: 100 * 365 * 24 * time.Hour, tokens: map[string]time.Time{},
		expires: func(at time.Time) any { return at.UTC().Format("2006-01-02T15:04:05.000000Z") }}
}

var nc2AwxTemplates = []map[string]any{
	{"id": 7, "name": "Deploy web", "playbook": "deploy.yml", "summary_fields": map[string]any{"credentials": []map[string]any{{"id": 1, "name": "Demo Credential", "kind": "ssh", "cloud": false}, {"id": 3, "name": "AWS prod", "kind": "aws", "cloud": true}}}},
	{"id": 8, "name": "Patch db", "playbook": "patch.yml", "summary_fields": map[string]any{"credentials": []map[string]any{{"id": 1, "name": "Demo Credential", "kind": "ssh", "cloud": false}}}},
	{"id": 9, "name": "Ping", "playbook": "ping.yml", "summary_fields": map[string]any{"credentials": []map[string]any{}}},
}

var nc2AwxCredentials = map[string]map[string]any{
	"1": {"id": 1, "type": "credential", "name": "Demo Credential", "kind": "ssh", "inputs": map[string]any{"username": "admin", "password": "$encrypted$"}},
	"3": {"id": 3, "type": "credential", "name": "AWS prod", "kind": "aws", "inputs": map[string]any{"username": "AKIAEXAMPLE", "password": "$encrypted$"}},
}

func (a *nc2Awx) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.URL.Path == "/api/v2/tokens/" && r.Method == "POST" {
		a.logins = append(a.logins, string(body))
		if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(nc2AwxUser+":"+nc2AwxPassword)) {
			curWrite(w, 401, `{"detail": "Invalid username/password."}`)
			return
		}
		var req map[string]any
		if json.Unmarshal(body, &req) != nil || req["scope"] != "read" {
			curWrite(w, 400, `{"scope": ["Must be a simple space-separated string with allowed scopes ['read', 'write']."]}`)
			return
		}
		tok := fmt.Sprintf("4fPdprKOvp8W5yYOo5mh1A6ZWT01G%d", len(a.logins))
		at := time.Now().Add(a.life)
		a.tokens[tok] = at
		out := map[string]any{"id": len(a.logins), "type": "o_auth2_access_token", "url": fmt.Sprintf("/api/v2/tokens/%d/", len(a.logins)),
			"description": req["description"], "user": 4, "token": tok, "refresh_token": nil, "application": nil, "scope": "read"}
		if e := a.expires(at); e != nil {
			out["expires"] = e
		}
		curWrite(w, 201, curJSON(out))
		return
	}
	tok := ""
	if h := r.Header.Get("Authorization"); len(h) > 7 && h[:7] == "Bearer " {
		tok = h[7:]
	}
	if at, ok := a.tokens[tok]; !ok || time.Now().After(at) {
		curWrite(w, 401, `{"detail": "Authentication credentials were not provided."}`)
		return
	}
	switch {
	case r.URL.Path == "/api/v2/job_templates/":
		q := r.URL.Query()
		size, page := curQueryInt(q, "page_size", 25), curQueryInt(q, "page", 1)
		res := []map[string]any{}
		for i := (page - 1) * size; i < min(page*size, len(nc2AwxTemplates)); i++ {
			res = append(res, nc2AwxTemplates[i])
		}
		var next any
		if page*size < len(nc2AwxTemplates) {
			next = fmt.Sprintf("/api/v2/job_templates/?order_by=id&page=%d&page_size=%d", page+1, size)
		}
		curWrite(w, 200, curJSON(map[string]any{"count": len(nc2AwxTemplates), "next": next, "previous": nil, "results": res}))
	case len(r.URL.Path) > len("/api/v2/credentials/") && r.URL.Path[:len("/api/v2/credentials/")] == "/api/v2/credentials/":
		id := r.URL.Path[len("/api/v2/credentials/") : len(r.URL.Path)-1]
		a.credGet = append(a.credGet, id)
		c, ok := nc2AwxCredentials[id]
		if !ok || r.URL.Path[len(r.URL.Path)-1] != '/' {
			curWrite(w, 404, `{"detail": "Not found."}`)
			return
		}
		curWrite(w, 200, curJSON(c))
	default:
		curWrite(w, 404, `{"detail": "Not found."}`)
	}
}

var nc2AwxEnv = map[string]string{"AWX_USER": nc2AwxUser, "AWX_PASSWORD": nc2AwxPassword}

// TestNewcomer2AwxTokenAndCredentials: one token request (Basic, the JSON
// body as written, application null), its "expires" a hundred years
// ahead with microseconds read as an instant; 3 job templates over two
// pages held to count; one credential chain per item of each template's
// summary_fields.credentials (credential 1 is listed by two templates,
// template 9 lists none): credentials 1 and 3 loaded.
func TestNewcomer2AwxTokenAndCredentials(t *testing.T) {
	api := newNc2Awx()
	r, _ := curServe(t, api, "newcomer2_awx", "", nc2AwxEnv)
	r.mustLoad(t)
	r.checkTable(t, `SELECT id, name, playbook FROM job_templates ORDER BY id`, []string{"7|Deploy web|deploy.yml", "8|Patch db|patch.yml", "9|Ping|ping.yml"})
	r.checkTable(t, `SELECT id, name, kind, inputs__username, inputs__password FROM credentials ORDER BY id`, []string{
		"1|Demo Credential|ssh|admin|$encrypted$", "3|AWS prod|aws|AKIAEXAMPLE|$encrypted$"})
	r.noSecret(t, nc2AwxPassword)
	r.noSecret(t, "4fPdprKOvp8W5yYOo5mh1A6ZWT01G1")
	if want := `{"application":null,"description":"pipe load","scope":"read"}`; len(api.logins) != 1 || api.logins[0] != want {
		t.Errorf("token requests %q, want [%s]", api.logins, want)
	}
	sort.Strings(api.credGet)
	if got := fmt.Sprint(api.credGet); got != "[1 1 3]" {
		t.Errorf("credential requests %s, want [1 1 3] (one per template listing it)", got)
	}
}

// TestNewcomer2AwxExpiresHostile: an "expires" already past by the
// machine's clock, and one written without a UTC offset (a server whose
// USE_TZ is off), each fail the run at the token request naming
// expires_at_path and the value, never the password nor the token.
func TestNewcomer2AwxExpiresHostile(t *testing.T) {
	for name, c := range map[string]struct {
		expires func(time.Time) any
		want    string
	}{
		"past":      {func(time.Time) any { return "2019-02-04T00:22:59.963598Z" }, `"2019-02-04T00:22:59.963598Z"`},
		"no offset": {func(at time.Time) any { return at.UTC().Format("2006-01-02T15:04:05.000000") }, "expires_at_path"},
	} {
		t.Run(name, func(t *testing.T) {
			api := newNc2Awx()
			api.expires = c.expires
			r, srv := curServe(t, api, "newcomer2_awx", "", nc2AwxEnv)
			r.failedClean(t, srv, nil, nc2AwxPassword, []string{"job_templates", "credentials"}, "expires_at_path", c.want)
			r.noSecret(t, "4fPdprKOvp8W5yYOo5mh1A6ZWT01G1")
		})
	}
}

// TestNewcomer2AwxShortLivedToken: a token whose "expires" is 10 s ahead
// (an admin's OAUTH2_PROVIDER ACCESS_TOKEN_EXPIRE_SECONDS set low). Each
// login creates a token in AWX that nothing deletes (type 4: pipe has no
// logout or revoke request), so the number of logins matters: a run of
// 5 requests within the token's life logs in once.
func TestNewcomer2AwxShortLivedToken(t *testing.T) {
	api := newNc2Awx()
	api.life = 10 * time.Second
	r, _ := curServe(t, api, "newcomer2_awx", "", nc2AwxEnv)
	r.mustLoad(t)
	if len(api.logins) != 1 {
		t.Errorf("%d logins, want 1", len(api.logins))
	}
}

// TestNewcomer2AwxCredentialsFieldMissing: a job template whose
// summary_fields lacks "credentials" (a fan-out field the page left out)
// fails the run before any credential request, naming the resource, the
// field and the parent record, rather than load the other templates'
// credentials as if they were all.
func TestNewcomer2AwxCredentialsFieldMissing(t *testing.T) {
	saved := nc2AwxTemplates[2]
	nc2AwxTemplates[2] = map[string]any{"id": 9, "name": "Ping", "playbook": "ping.yml", "summary_fields": map[string]any{}}
	t.Cleanup(func() { nc2AwxTemplates[2] = saved })
	api := newNc2Awx()
	r, srv := curServe(t, api, "newcomer2_awx", "", nc2AwxEnv)
	r.failedClean(t, srv, nil, nc2AwxPassword, []string{"job_templates", "credentials"},
		`resource "credentials": http://api.test/api/v2/job_templates/?order_by=id&page=2&page_size=2: job_templates record 1`,
		`the job_templates record has no field "summary_fields.credentials"`)
}
