package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	auth0ClientID     = "Yx3kPq9ZrT2mVb7NcW4sLd8HfJ1gA6eU"
	auth0ClientSecret = "s3cr3t-Auth0_Qm9vX2pLk7Rt/+4ZwYc8NbVd1Hf6JsGe0Ta5Pu"
)

var auth0Env = map[string]string{"AUTH0_CLIENT_ID": auth0ClientID, "AUTH0_CLIENT_SECRET": auth0ClientSecret}

// auth0Fake is an Auth0 tenant as the Management API docs describe it:
// POST /oauth/token grants a client credentials token for the audience
// https://{domain}/api/v2/ only (auth0.com/docs/secure/tokens/access-tokens/management-api-access-tokens/get-management-api-access-tokens-for-production;
// 403 {"error": "access_denied", "error_description": "Service not
// enabled within domain: …"} for another audience), and GET
// /api/v2/users pages with page and per_page and, with include_totals,
// answers {"start", "limit", "length", "total", "users"}
// (auth0.com/docs/api/management/v2/users/get-users); an expired token is
// 401 "Expired token received for JSON Web Token validation". page, when
// set, answers page n (from 0) instead when it returns true.
type auth0Fake struct {
	o           *vendorOrigin
	mu          sync.Mutex
	tokens      []string
	calls       int
	expireAfter int
	users       []string
	page        func(w http.ResponseWriter, n int) bool
	// firstLives, when set, makes the first token expire after that many
	// API calls; later tokens live on.
	firstLives int
	inFlight   int // role requests being answered
	maxFlight  int // the most role requests answered at once
}

func newAuth0Fake(t *testing.T) *auth0Fake {
	f := &auth0Fake{}
	for i := range 5 {
		f.users = append(f.users, fmt.Sprintf(`{"user_id": "auth0|65f0a1b2c3d4e5f60718293%d", "email": "user%d@example.com", "email_verified": %t, "name": "User %d", "created_at": "2024-03-1%dT09:00:00.000Z", "logins_count": %d, "app_metadata": {"plan": "pro"}, "identities": [{"provider": "auth0", "user_id": "65f0a1b2c3d4e5f60718293%d", "connection": "Username-Password-Authentication", "isSocial": false}]}`, i, i, i%2 == 0, i, i, 10*i, i))
	}
	f.o = newVendorOrigin(t, f)
	return f
}

func (f *auth0Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.URL.Path == "/oauth/token" {
		f.token(w, r)
		return
	}
	w.Header().Set("X-Ratelimit-Limit", "50")
	w.Header().Set("X-Ratelimit-Remaining", "49")
	f.mu.Lock()
	valid := len(f.tokens) > 0 && r.Header.Get("Authorization") == "Bearer "+f.tokens[len(f.tokens)-1]
	if valid {
		f.calls++
		valid = f.expireAfter == 0 || f.calls <= f.expireAfter
		if f.firstLives > 0 && len(f.tokens) == 1 && f.calls > f.firstLives {
			valid = false
		}
	}
	f.mu.Unlock()
	if !valid {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"statusCode": 401, "error": "Unauthorized", "message": "Expired token received for JSON Web Token validation", "attributes": {"error": "Expired token received for JSON Web Token validation"}}`)
		return
	}
	if strings.HasSuffix(r.URL.Path, "/roles") {
		f.roles(w, r)
		return
	}
	q := r.URL.Query()
	n, err := strconv.Atoi(q.Get("page"))
	per, err2 := strconv.Atoi(q.Get("per_page"))
	if r.URL.Path != "/api/v2/users" || err != nil || err2 != nil || q.Get("include_totals") != "true" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"statusCode": 400, "error": "Bad Request", "message": "Query validation error", "errorCode": "invalid_query_string"}`)
		return
	}
	if f.page != nil && f.page(w, n) {
		return
	}
	from := min(n*per, len(f.users))
	to := min(from+per, len(f.users))
	fmt.Fprintf(w, `{"start": %d, "limit": %d, "length": %d, "total": %d, "users": [%s]}`, from, per, to-from, len(f.users), strings.Join(f.users[from:to], ", "))
}

// roles answers GET /api/v2/users/{id}/roles with include_totals
// (auth0.com/docs/api/management/v2/users/get-user-roles: {"roles":
// [{"id", "name", "description"}], "start", "limit", "total"}): two roles
// for users whose number is even, one for the others, slowly enough that
// the roles of several users are asked for at once.
func (f *auth0Fake) roles(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.inFlight++
	f.maxFlight = max(f.maxFlight, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	time.Sleep(20 * time.Millisecond)
	id, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(r.URL.EscapedPath(), "/api/v2/users/"), "/roles"))
	n := int(id[len(id)-1] - '0')
	roles := []string{`{"id": "rol_Viewer00000001", "name": "Viewer", "description": "Reads"}`}
	if n%2 == 0 {
		roles = append(roles, `{"id": "rol_Admin000000002", "name": "Admin", "description": "Everything"}`)
	}
	fmt.Fprintf(w, `{"roles": [%s], "start": 0, "limit": 50, "total": %d}`, strings.Join(roles, ", "), len(roles))
}

// token grants a token for a form body or, as the docs' older examples
// send it, a JSON body with the same fields.
func (f *auth0Fake) token(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error": "invalid_request", "error_description": "Invalid JSON"}`)
			return
		}
		r.PostForm = url.Values{}
		for k, v := range body {
			r.PostForm.Set(k, v)
		}
	} else {
		r.ParseForm()
	}
	if r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_id") != auth0ClientID || r.PostForm.Get("client_secret") != auth0ClientSecret {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error": "access_denied", "error_description": "Unauthorized"}`)
		return
	}
	if aud := r.PostForm.Get("audience"); aud != f.o.srv.URL+"/api/v2/" {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"error": "access_denied", "error_description": "Service not enabled within domain: %s"}`, aud)
		return
	}
	f.mu.Lock()
	tok := fmt.Sprintf("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.auth0-%d.sig", len(f.tokens)+1)
	f.tokens = append(f.tokens, tok)
	f.calls = 0
	f.mu.Unlock()
	fmt.Fprintf(w, `{"access_token": %q, "token_type": "Bearer", "expires_in": 86400, "scope": "read:users"}`, tok)
}

// checkPlaces fails t unless every request that carried the client
// secret was a POST to /oauth/token and none to /oauth/token carried an
// access token.
func (f *auth0Fake) checkPlaces(t *testing.T) {
	t.Helper()
	f.o.mu.Lock()
	defer f.o.mu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, line := range f.o.reqs {
		toToken := strings.HasPrefix(line, "POST /oauth/token ")
		for _, form := range secretForms(auth0ClientSecret) {
			if !toToken && strings.Contains(line, form) {
				t.Errorf("a request to the API carried the client secret: %.60s…", line)
			}
		}
		for _, tok := range f.tokens {
			if toToken && strings.Contains(line, tok) {
				t.Errorf("the token endpoint got access token %s", tok)
			}
		}
	}
}

const auth0Query = `SELECT user_id, email, email_verified, logins_count, typeof(logins_count), app_metadata__plan FROM users ORDER BY user_id`

func auth0Want(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmtRow(fmt.Sprintf("auth0|65f0a1b2c3d4e5f60718293%d", i), fmt.Sprintf("user%d@example.com", i), i%2 == 0, 10*i, "integer", "pro"))
	}
	return out
}

func runAuth0(t *testing.T, f *auth0Fake) *vendorRun {
	t.Helper()
	return runAuth0Spec(t, f, vendorSpec(t, "auth0"))
}

// runAuth0Spec runs text, a variant of auth0.yml, against f.
func runAuth0Spec(t *testing.T, f *auth0Fake, text string) *vendorRun {
	t.Helper()
	run := runVendorSpec(t, "auth0", text, map[string]string{"domain": f.o.srv.URL}, auth0Env, "")
	f.checkPlaces(t)
	f.mu.Lock()
	secrets := append([]string{auth0ClientSecret}, f.tokens...)
	f.mu.Unlock()
	run.noSecretLeft(t, secrets...)
	return run
}

// TestAuth0Users: the token is asked for the Management API audience, the
// client secret goes only to /oauth/token on the tenant's one origin and
// the token only to the API; an expired token (401 on the third page) is
// renewed once; every user and identity loads as served.
func TestAuth0Users(t *testing.T) {
	f := newAuth0Fake(t)
	f.expireAfter = 2
	run := runAuth0(t, f)
	if run.err != nil {
		t.Fatalf("run: %v\nlogs:\n%s", run.err, run.logs)
	}
	sameRows(t, "users", rowsOf(t, run.db, auth0Query), auth0Want(5))
	sameRows(t, "identities", rowsOf(t, run.db, `SELECT count(*), count(DISTINCT _pipe_parent_id) FROM users__identities WHERE provider = 'auth0'`), []string{"5 5"})
	if n := len(f.tokens); n != 2 {
		t.Errorf("tokens issued = %d, want 2", n)
	}
}

// TestAuth0LoginJSON: the token asked for with a JSON body, as the
// docs' JSON examples send it, through the login auth: the secret goes
// only in that POST, the expired token is renewed once, every user loads.
func TestAuth0LoginJSON(t *testing.T) {
	f := newAuth0Fake(t)
	f.expireAfter = 2
	auth := `  auth:
    type: login
    token_url: "{vars.domain}/oauth/token"
    json:
      grant_type: client_credentials
      client_id: "{secrets.auth0_client_id}"
      client_secret: "{secrets.auth0_client_secret}"
      audience: "{vars.domain}/api/v2/"
`
	text := vendorSpec(t, "auth0")
	start, end := strings.Index(text, "  auth:\n"), strings.Index(text, "  paginator:")
	run := runAuth0Spec(t, f, text[:start]+auth+text[end:])
	if run.err != nil {
		t.Fatalf("run: %v\nlogs:\n%s", run.err, run.logs)
	}
	sameRows(t, "users", rowsOf(t, run.db, auth0Query), auth0Want(5))
	if n := len(f.tokens); n != 2 {
		t.Errorf("tokens issued = %d, want 2", n)
	}
}

// TestAuth0RolesRenewOnce: each user's roles (a child resource, asked
// for concurrently) come after the first token expired: the requests that
// get a 401 with it cause one renewal between them, and every role loads.
func TestAuth0RolesRenewOnce(t *testing.T) {
	f := newAuth0Fake(t)
	f.firstLives = 4 // the three pages of users and one user's roles
	text := vendorSpec(t, "auth0") + `  - name: roles
    primary_key: [id, _users_user_id]
    endpoint:
      path: "users/{resources.users.user_id}/roles"
      params: {per_page: 50, include_totals: true}
      data_selector: roles
      paginator: single_page
    include_from_parent: [user_id]
`
	run := runAuth0Spec(t, f, text)
	if run.err != nil {
		t.Fatalf("run: %v\nlogs:\n%s", run.err, run.logs)
	}
	sameRows(t, "users", rowsOf(t, run.db, auth0Query), auth0Want(5))
	var want []string
	for i := range 5 {
		user := fmt.Sprintf("auth0|65f0a1b2c3d4e5f60718293%d", i)
		if i%2 == 0 {
			want = append(want, fmtRow(user, "Admin"))
		}
		want = append(want, fmtRow(user, "Viewer"))
	}
	sameRows(t, "roles", rowsOf(t, run.db, `SELECT _users_user_id, name FROM roles ORDER BY _users_user_id, name`), want)
	if n := len(f.tokens); n != 2 {
		t.Errorf("tokens issued = %d, want 2 (one renewal for every 401 of the first token)", n)
	}
	if f.maxFlight < 2 {
		t.Logf("roles were asked for one at a time (max in flight %d): the renewal was not concurrent", f.maxFlight)
	}
}

// TestAuth0HostileBodies: the second page of users arrives in each way a
// server may break it; each run loads exactly the users or fails naming
// the resource, the page's URL and what is wrong.
func TestAuth0HostileBodies(t *testing.T) {
	huge := strings.Repeat("é", 3<<20) // a 6 MiB name, one JSON string
	page1 := func(f *auth0Fake, users string, total int) string {
		return fmt.Sprintf(`{"start": 2, "limit": 2, "length": 2, "total": %d, "users": [%s]}`, total, users)
	}
	for _, c := range []struct {
		name        string
		contentType string
		body        func(f *auth0Fake) string
		rows        []string // want these rows (auth0Query) and exit 0
		err         string   // or an error holding this
	}{
		{name: "a UTF-8 byte order mark", body: func(f *auth0Fake) string {
			return "\ufeff" + page1(f, f.users[2]+", "+f.users[3], 5)
		}, rows: auth0Want(5)},
		{name: "JSON as text/plain", contentType: "text/plain", body: func(f *auth0Fake) string {
			return page1(f, f.users[2]+", "+f.users[3], 5)
		}, rows: auth0Want(5)},
		{name: "NaN", body: func(f *auth0Fake) string {
			return page1(f, strings.Replace(f.users[2], `"logins_count": 20`, `"logins_count": NaN`, 1)+", "+f.users[3], 5)
		}, err: `response body is not JSON`},
		{name: "Infinity", body: func(f *auth0Fake) string {
			return page1(f, strings.Replace(f.users[2], `"logins_count": 20`, `"logins_count": -Infinity`, 1)+", "+f.users[3], 5)
		}, err: `response body is not JSON`},
		{name: "an error body on a 200", body: func(f *auth0Fake) string {
			return `{"statusCode": 429, "error": "Too Many Requests", "message": "Global limit has been reached"}`
		}, err: `data_selector "users" not found in the response (it holds keys "statusCode", "error", "message"): body "error" is string`},
		{name: "an errors list beside no users", body: func(f *auth0Fake) string {
			return `{"start": 2, "limit": 2, "length": 0, "total": 5, "users": [], "errors": [{"message": "shard unavailable"}]}`
		}, err: `data_selector "users" is [] and body "errors" is array`},
		{name: "an empty page below the total", body: func(f *auth0Fake) string {
			return `{"start": 2, "limit": 2, "length": 0, "total": 5, "users": []}`
		}, err: `body "total" is 5 and 2 records were read`},
		{name: "a huge single string", body: func(f *auth0Fake) string {
			return page1(f, strings.Replace(f.users[2], `"name": "User 2"`, `"name": "`+huge+`"`, 1)+", "+f.users[3], 5)
		}, rows: auth0Want(5)},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newAuth0Fake(t)
			f.page = func(w http.ResponseWriter, n int) bool {
				if n != 1 {
					return false
				}
				if c.contentType != "" {
					w.Header().Set("Content-Type", c.contentType)
				}
				fmt.Fprint(w, c.body(f))
				return true
			}
			run := runAuth0(t, f)
			if c.rows != nil {
				if run.err != nil {
					t.Fatalf("run: %v", run.err)
				}
				sameRows(t, "users", rowsOf(t, run.db, auth0Query), c.rows)
				if c.name == "a huge single string" {
					sameRows(t, "the huge name", rowsOf(t, run.db, `SELECT length(name) = `+strconv.Itoa(3<<20)+`, name = '`+huge+`' FROM users WHERE user_id LIKE '%2'`), []string{"1 1"})
				}
				return
			}
			if run.err == nil {
				t.Fatalf("run completed, want an error holding %q", c.err)
			}
			msg := run.err.Error()
			for _, want := range []string{`resource "users"`, "page 2: GET " + f.o.srv.URL + "/api/v2/users?", c.err} {
				if !strings.Contains(msg, want) {
					t.Errorf("err = %.600s\nwant it to hold %s", msg, want)
				}
			}
			sameRows(t, "users after a failed first load", rowsOf(t, run.db, `SELECT count(*) FROM sqlite_master WHERE name = 'users'`), []string{"0"})
		})
	}
}

// TestAuth0PagingLimit: Auth0 pages through the first 1000 users only
// (auth0.com/docs/manage-users/user-search/view-search-results-by-page#limitation:
// 400 "You can only page through the first 1000 records"); a tenant with
// more users fails the run there, naming the resource, the URL and the
// API's message, and loads nothing, instead of loading the first 1000.
func TestAuth0PagingLimit(t *testing.T) {
	f := newAuth0Fake(t)
	for i := len(f.users); i < 1003; i++ {
		f.users = append(f.users, fmt.Sprintf(`{"user_id": "auth0|%024d", "email": "user%d@example.com", "email_verified": true, "name": "User %d", "logins_count": 1, "app_metadata": {"plan": "pro"}, "identities": []}`, i, i, i))
	}
	f.page = func(w http.ResponseWriter, n int) bool {
		if n*100 < 1000 {
			return false
		}
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"statusCode": 400, "error": "Bad Request", "message": "You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation", "errorCode": "invalid_paging"}`)
		return true
	}
	run := runAuth0Spec(t, f, strings.Replace(vendorSpec(t, "auth0"), "per_page: 2,", "per_page: 100,", 1))
	if run.err == nil {
		t.Fatal("run completed, want the API's 400")
	}
	for _, want := range []string{`resource "users"`, "page 11: GET " + f.o.srv.URL + "/api/v2/users?", "400 Bad Request", "first 1000 records"} {
		if !strings.Contains(run.err.Error(), want) {
			t.Errorf("err = %.500s\nwant it to hold %s", run.err, want)
		}
	}
	sameRows(t, "users after the failed load", rowsOf(t, run.db, `SELECT count(*) FROM sqlite_master WHERE name = 'users'`), []string{"0"})
}
