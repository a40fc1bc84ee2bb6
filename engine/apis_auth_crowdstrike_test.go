package engine_test

import (
	"cmp"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const (
	csAuthClientID     = "3f1e5a0b9c7d4e2fa6b8c0d1e2f3a4b5"
	csAuthClientSecret = "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm12"
)

var csAuthEnv = map[string]string{"CSAUTH_CLIENT_ID": csAuthClientID, "CSAUTH_CLIENT_SECRET": csAuthClientSecret}

// csAuthFake is CrowdStrike Falcon as its docs describe it, on two
// origins: the US-1 host grants tokens at POST /oauth2/token
// (developer.crowdstrike.com/api-reference/collections/oauth2/: form
// client_id and client_secret; 201 {"access_token", "token_type":
// "bearer", "expires_in": 1799}, the "standard 30-minute lifespan"), the
// EU-1 host serves GET /devices/combined/host-groups/v1
// (falconpy.io/Service-Collections/Host-Group.html: offset and limit;
// {"meta": {"query_time", "pagination": {"offset", "limit", "total"},
// "powered_by", "trace_id"}, "resources", "errors": []}) with the
// X-Ratelimit-Limit and X-Ratelimit-Remaining headers of every Falcon
// response, and answers a token it does not know with 401 {"errors":
// [{"code": 401, "message": "access denied, invalid bearer token"}]}
// (falconpy.io/Usage/Response-Handling.html: every error is JSON with an
// errors list).
type csAuthFake struct {
	auth, api *vendorOrigin
	mu        sync.Mutex
	tokens    []string // granted, the last one valid
	calls     int      // API calls with the valid token
	// expireAfter invalidates the valid token after that many API calls
	// with it (0: never), as its 30 minutes running out mid-run would.
	expireAfter int
	// tokenReply, when set, is the body of a granted token's reply,
	// {token} standing for the token: a variant of the documented one.
	tokenReply string
	// tokenStatus is the status of the token reply (default 201), and
	// tokenType its Content-Type (default application/json).
	tokenStatus int
	tokenType   string
	// page, when set, answers the page at offset instead of the fake's
	// records when it returns a body.
	page   func(offset int) string
	groups []string
}

func newCSAuthFake(t *testing.T) *csAuthFake {
	f := &csAuthFake{}
	for i := range 5 {
		rule := `""`
		kind := "static"
		if i%2 == 1 {
			kind, rule = "dynamic", fmt.Sprintf(`"tags:'SensorGroupingTags/site-%d'"`, i)
		}
		f.groups = append(f.groups, fmt.Sprintf(`{"id": "%032x", "group_type": %q, "name": "Group %d", "description": "", "assignment_rule": %s, "created_by": "api-client-id:%s", "created_timestamp": "2024-0%d-01T10:00:00.123456789Z", "modified_by": "api-client-id:%s", "modified_timestamp": "2024-0%d-02T10:00:00Z"}`, 0xa0+i, kind, i, rule, csAuthClientID, i+1, csAuthClientID, i+1))
	}
	f.auth = newVendorOrigin(t, http.HandlerFunc(f.token))
	f.api = newVendorOrigin(t, http.HandlerFunc(f.hostGroups))
	return f
}

func (f *csAuthFake) vars() map[string]string {
	return map[string]string{"token_url": f.auth.srv.URL + "/oauth2/token", "api_url": f.api.srv.URL}
}

func csAuthMeta(offset, limit, total int) string {
	return fmt.Sprintf(`{"query_time": 0.004712, "pagination": {"offset": %d, "limit": %d, "total": %d}, "powered_by": "device-api", "trace_id": "6a3f2c1e-0b9d-4e8f-a7c6-5d4e3f2a1b0c"}`, offset, limit, total)
}

func (f *csAuthFake) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if f.tokenType != "" {
		w.Header().Set("Content-Type", f.tokenType)
	}
	r.ParseForm()
	if r.Method != http.MethodPost || r.URL.Path != "/oauth2/token" || r.PostForm.Get("client_id") != csAuthClientID || r.PostForm.Get("client_secret") != csAuthClientSecret {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"meta": %s, "errors": [{"code": 403, "message": "access denied, authorization failed"}]}`, csAuthMeta(0, 0, 0))
		return
	}
	f.mu.Lock()
	tok := fmt.Sprintf("eyJhbGciOiJSUzI1NiIsImtpZCI6InB1YmxpYzo0OTZhMzE2Yi%d.falcon-token", len(f.tokens)+1)
	f.tokens = append(f.tokens, tok)
	f.calls = 0
	reply, status := f.tokenReply, f.tokenStatus
	f.mu.Unlock()
	if reply == "" {
		reply = `{"access_token": "{token}", "token_type": "bearer", "expires_in": 1799}`
	}
	w.WriteHeader(cmp.Or(status, http.StatusCreated))
	fmt.Fprint(w, strings.ReplaceAll(reply, "{token}", tok))
}

func (f *csAuthFake) hostGroups(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Ratelimit-Limit", "6000")
	f.mu.Lock()
	valid := len(f.tokens) > 0 && r.Header.Get("Authorization") == "Bearer "+f.tokens[len(f.tokens)-1]
	if valid {
		f.calls++
		valid = f.expireAfter == 0 || f.calls <= f.expireAfter && f.expireAfter > 0
	}
	f.mu.Unlock()
	if !valid {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"meta": %s, "errors": [{"code": 401, "message": "access denied, invalid bearer token"}]}`, csAuthMeta(0, 0, 0))
		return
	}
	w.Header().Set("X-Ratelimit-Remaining", "5999")
	q := r.URL.Query()
	offset, err1 := strconv.Atoi(q.Get("offset"))
	limit, err2 := strconv.Atoi(q.Get("limit"))
	if r.URL.Path != "/devices/combined/host-groups/v1" || err1 != nil || err2 != nil || limit < 1 {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"meta": %s, "errors": [{"code": 400, "message": "invalid request"}]}`, csAuthMeta(0, 0, 0))
		return
	}
	if f.page != nil {
		if body := f.page(offset); body != "" {
			fmt.Fprint(w, body)
			return
		}
	}
	to := min(offset+limit, len(f.groups))
	from := min(offset, to)
	fmt.Fprintf(w, `{"meta": %s, "resources": [%s], "errors": []}`, csAuthMeta(offset, limit, len(f.groups)), strings.Join(f.groups[from:to], ", "))
}

// csAuthWant is every host group as the database must hold it.
var csAuthWant = []string{
	"000000000000000000000000000000a0 static Group 0  2024-01-01 10:00:00.123456789 +0000 UTC",
	"000000000000000000000000000000a1 dynamic Group 1 tags:'SensorGroupingTags/site-1' 2024-02-01 10:00:00.123456789 +0000 UTC",
	"000000000000000000000000000000a2 static Group 2  2024-03-01 10:00:00.123456789 +0000 UTC",
	"000000000000000000000000000000a3 dynamic Group 3 tags:'SensorGroupingTags/site-3' 2024-04-01 10:00:00.123456789 +0000 UTC",
	"000000000000000000000000000000a4 static Group 4  2024-05-01 10:00:00.123456789 +0000 UTC",
}

const csAuthQuery = `SELECT id, group_type, name, assignment_rule, created_timestamp FROM host_groups ORDER BY id`

// checkPlaces fails t when the client secret went anywhere but the
// token endpoint or an access token anywhere but the API.
func (f *csAuthFake) checkPlaces(t *testing.T) {
	t.Helper()
	if n, all := f.auth.carrying(csAuthClientSecret), f.auth.requests(); n != all {
		t.Errorf("token host: %d of %d requests carried the client secret", n, all)
	}
	if n := f.api.carrying(csAuthClientSecret); n != 0 {
		t.Errorf("the API got the client secret %d times", n)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tok := range f.tokens {
		if n := f.auth.carrying(tok); n != 0 {
			t.Errorf("the token host got access token %s %d times", tok, n)
		}
	}
}

// TestCSAuthHostGroups: the client secret goes to the token host only and
// each token to the API only; a token that expires mid-run (a 401 on the
// third page) is renewed once and the page retried; every group loads as
// served, whether expires_in is a number (as documented) or a string,
// whatever the case of token_type, and when the JSON reply is labelled
// text/plain (which the OAuth2 client alone reads as a form, finding no
// token).
func TestCSAuthHostGroups(t *testing.T) {
	for _, c := range []struct{ name, reply, contentType string }{
		{"as documented", "", ""},
		{"expires_in a string", `{"access_token": "{token}", "token_type": "Bearer", "expires_in": "1799"}`, ""},
		{"JSON reply as text/plain", "", "text/plain; charset=utf-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newCSAuthFake(t)
			f.expireAfter, f.tokenReply, f.tokenType = 2, c.reply, c.contentType
			run := runVendor(t, "crowdstrike_auth", f.vars(), csAuthEnv, "")
			if run.err != nil {
				t.Fatalf("run: %v\nlogs:\n%s", run.err, run.logs)
			}
			sameRows(t, "host_groups", rowsOf(t, run.db, csAuthQuery), csAuthWant)
			if n := len(f.tokens); n != 2 {
				t.Errorf("tokens issued = %d, want 2 (one renewal after the 401)", n)
			}
			if n := f.api.requests(); n != 4 {
				t.Errorf("API requests = %d, want 4 (3 pages, one retried)", n)
			}
			f.checkPlaces(t)
			run.noSecretLeft(t, append([]string{csAuthClientSecret}, f.tokens...)...)
		})
	}
}

// TestCSAuthTokenRefused: a token endpoint that refuses (403 with its
// errors list) or answers 200 without a token (an errors list, an OAuth
// error, an empty token, an expires_in that is no number) fails the run
// before any API request, naming the token URL and what the reply held,
// without a secret.
func TestCSAuthTokenRefused(t *testing.T) {
	denied := `{"meta": {"query_time": 0.01, "powered_by": "csam", "trace_id": "x"}, "errors": [{"code": 403, "message": "access denied, authorization failed"}]}`
	for _, c := range []struct {
		name, reply string
		status      int
		want        string
	}{
		{"403 with errors", denied, http.StatusForbidden, `403 Forbidden: it holds keys "meta", "errors"; "errors" is [{"code": 403, "message": "access denied, authorization failed"}]`},
		{"200 with errors and no token", denied, http.StatusOK, `reply 200 OK, Content-Type "application/json": no access_token (the reply holds keys "meta", "errors"; "errors" is [{"code": 403, "message": "access denied, authorization failed"}])`},
		{"200 with an OAuth error", `{"error": "invalid_client", "error_description": "client is disabled"}`, http.StatusOK, `200 OK: it holds keys "error", "error_description"; "error" is "invalid_client"; "error_description" is "client is disabled"`},
		{"201 with an empty token", `{"access_token": "", "token_type": "bearer", "expires_in": 1799}`, http.StatusCreated, `reply 201 Created, Content-Type "application/json": no access_token (the reply holds keys "access_token", "token_type", "expires_in")`},
		{"expires_in no number", `{"access_token": "abcdefgh-falcon", "token_type": "bearer", "expires_in": "soon"}`, http.StatusCreated, `reply 201 Created, Content-Type "application/json": expires_in "soon" is not a whole number of seconds`},
		{"an HTML page on 200", `<!DOCTYPE html><html><body>Sign in to Falcon</body></html>`, http.StatusOK, `reply 200 OK, Content-Type "application/json": not a JSON object, want one with access_token`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newCSAuthFake(t)
			f.tokenReply, f.tokenStatus = c.reply, c.status
			run := runVendor(t, "crowdstrike_auth", f.vars(), csAuthEnv, "")
			if run.err == nil {
				t.Fatalf("run completed, want an error holding %q", c.want)
			}
			msg := run.err.Error()
			for _, want := range []string{`resource "host_groups"`, f.auth.srv.URL + "/oauth2/token", c.want} {
				if !strings.Contains(msg, want) {
					t.Errorf("err = %s\nwant it to hold %s", msg, want)
				}
			}
			if n := f.api.requests(); n != 0 {
				t.Errorf("the API got %d requests", n)
			}
			f.checkPlaces(t)
			run.noSecretLeft(t, csAuthClientSecret, "abcdefgh-falcon")
		})
	}
}

// TestCSAuthErrorsOn200: a 200 whose "resources" is empty and whose
// "errors" list is not (the envelope of every Falcon reply, with the
// error where the records should be) is a failed request, not an empty
// page: the run fails naming the resource, the URL and the errors,
// whether it is the first page (whose total is then 0) or a later one.
func TestCSAuthErrorsOn200(t *testing.T) {
	broken := func(offset int) string {
		total := 0 // the first page's total is then 0 too
		if offset > 0 {
			total = 5
		}
		return fmt.Sprintf(`{"meta": %s, "resources": [], "errors": [{"code": 500, "message": "internal server error, please retry"}]}`, csAuthMeta(offset, 2, total))
	}
	for _, c := range []struct {
		name string
		at   int
	}{{"first page", 0}, {"third page", 4}} {
		t.Run(c.name, func(t *testing.T) {
			f := newCSAuthFake(t)
			f.page = func(offset int) string {
				if offset == c.at {
					return broken(offset)
				}
				return ""
			}
			run := runVendor(t, "crowdstrike_auth", f.vars(), csAuthEnv, "")
			if run.err == nil {
				t.Fatalf("run completed (report %+v), want an error", run.rep)
			}
			msg := run.err.Error()
			for _, want := range []string{`resource "host_groups"`, f.api.srv.URL + "/devices/combined/host-groups/v1", `"errors"`} {
				if !strings.Contains(msg, want) {
					t.Errorf("err = %s\nwant it to hold %s", msg, want)
				}
			}
			f.checkPlaces(t)
			run.noSecretLeft(t, append([]string{csAuthClientSecret}, f.tokens...)...)
		})
	}
}

// TestCSAuthTokenRegionRedirect: the US-1 token endpoint answers a client
// of another cloud with a 308 to that cloud's /oauth2/token (PSFalcon and
// FalconPy follow it: "automatically follows redirects to the correct
// cloud region"). A 308 sends the form, client secret included, again:
// pipe does not follow it to an origin the spec did not name, and fails
// naming where it leads and the setting to change, token_url.
func TestCSAuthTokenRegionRedirect(t *testing.T) {
	f := newCSAuthFake(t)
	us1 := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Cs-Region", "eu-1")
		http.Redirect(w, r, f.auth.srv.URL+"/oauth2/token", http.StatusPermanentRedirect)
	}))
	vars := f.vars()
	vars["token_url"] = us1.srv.URL + "/oauth2/token"
	run := runVendor(t, "crowdstrike_auth", vars, csAuthEnv, "")
	if run.err == nil {
		t.Fatal("run completed, want the redirect refused")
	}
	for _, want := range []string{`resource "host_groups"`, us1.srv.URL + "/oauth2/token", f.auth.srv.URL + "/oauth2/token", "token_url"} {
		if !strings.Contains(run.err.Error(), want) {
			t.Errorf("err = %v\nwant it to hold %s", run.err, want)
		}
	}
	if n := f.auth.requests(); n != 0 {
		t.Errorf("the redirect's target got %d requests", n)
	}
	if n := f.api.requests(); n != 0 {
		t.Errorf("the API got %d requests", n)
	}
	run.noSecretLeft(t, csAuthClientSecret)
}

// TestCSAuthTokenRejectedAfterRenewal: an API that rejects every token
// (a client whose API scopes were removed) gets one renewal, not a loop:
// the run fails with the 401, naming the resource and URL.
func TestCSAuthTokenRejectedAfterRenewal(t *testing.T) {
	f := newCSAuthFake(t)
	f.expireAfter = -1 // every call is over the limit
	run := runVendor(t, "crowdstrike_auth", f.vars(), csAuthEnv, "")
	if run.err == nil || !strings.Contains(run.err.Error(), "401 Unauthorized") || !strings.Contains(run.err.Error(), f.api.srv.URL+"/devices/combined/host-groups/v1") {
		t.Fatalf("err = %v, want a 401 naming the URL", run.err)
	}
	if n := len(f.tokens); n != 2 {
		t.Errorf("tokens issued = %d, want 2 (the first and one renewal)", n)
	}
	f.checkPlaces(t)
	run.noSecretLeft(t, append([]string{csAuthClientSecret}, f.tokens...)...)
}

// TestCSAuthTokenEndpointBusyOnce: a token endpoint that answers 503 (or
// 429 with Retry-After) once, as any busy server may, is retried as an
// API request is (client.retry), and the run loads.
func TestCSAuthTokenEndpointBusyOnce(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newCSAuthFake(t)
			var once sync.Once
			busy := false
			front := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				first := false
				once.Do(func() { first = true })
				if first {
					busy = true
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(status)
					fmt.Fprint(w, `{"errors": [{"code": 503, "message": "service unavailable"}]}`)
					return
				}
				f.token(w, r)
			}))
			vars := f.vars()
			vars["token_url"] = front.srv.URL + "/oauth2/token"
			run := runVendor(t, "crowdstrike_auth", vars, csAuthEnv, "")
			if !busy {
				t.Fatal("the token endpoint was never busy")
			}
			if run.err != nil {
				t.Fatalf("run: %v", run.err)
			}
			sameRows(t, "host_groups", rowsOf(t, run.db, csAuthQuery), csAuthWant)
		})
	}
}
