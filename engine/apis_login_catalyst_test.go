package engine_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

const (
	loginCatalystUser     = "devnetuser"
	loginCatalystPassword = "Cisco123!-n0t:th3-sandb0x"
)

var loginCatalystBasic = "Basic " + base64.StdEncoding.EncodeToString([]byte(loginCatalystUser+":"+loginCatalystPassword))

// loginCatalyst serves Cisco Catalyst Center's Intent API as
// https://developer.cisco.com/docs/dna-center/2-3-7-9/authentication and
// https://developer.cisco.com/docs/dna-center/2-3-5/authentication-api
// describe it: POST /dna/system/api/v1/auth/token with Authorization:
// Basic base64(username:password) answers {"Token": "..."} (no expiry in
// the reply: a token lives 60 minutes), 401 for bad credentials; every
// other request needs the token in X-Auth-Token, else 401 (its body is not
// documented; this fake answers {"response": {"errorCode": ...}}).
// GET /dna/intent/api/v1/network-device?offset=&limit= answers
// {"response": [...], "version": "1.0"}, offset from 1
// (https://developer.cisco.com/docs/dna-center/2-3-5/get-network-device-by-pagination-range:
// start index >= 1, at most 500 records).
//
// lifetime: how many API requests a token serves before it expires (the
// 60 minutes, shortened; 0: no limit). tokenKey: the key of the token in
// the reply ("Token" as documented).
type loginCatalyst struct {
	lifetime int
	tokenKey string

	mu           sync.Mutex
	uses         map[string]int // token → API requests it served
	logins       []string       // each token request: Authorization|body
	apiAuth      []string       // each API request: Authorization|X-Auth-Token
	unauthorized int
	offsets      []string
	devices      []map[string]any
}

func newLoginCatalyst() *loginCatalyst {
	a := &loginCatalyst{tokenKey: "Token", uses: map[string]int{}}
	for i := 1; i <= 5; i++ {
		a.devices = append(a.devices, map[string]any{
			"id": fmt.Sprintf("aaaaaaaa-aaaa-aaaa-aaaa-00000000000%d", i), "hostname": fmt.Sprintf("sw-%d.abc.inc", i),
			"managementIpAddress": fmt.Sprintf("10.10.20.%d", 80+i), "platformId": "C9300-48U", "softwareVersion": "17.9.4",
			"uptimeSeconds": 9851327 + i, "reachabilityStatus": "Reachable", "role": "ACCESS",
		})
	}
	return a
}

func (a *loginCatalyst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.URL.Path == "/dna/system/api/v1/auth/token" {
		a.logins = append(a.logins, r.Header.Get("Authorization")+"|"+string(body))
		if r.Method != http.MethodPost || r.Header.Get("Authorization") != loginCatalystBasic {
			curWrite(w, 401, `{"response": {"errorCode": "Unauthorized", "message": "Invalid Credentials"}, "version": "1.0"}`)
			return
		}
		tok := fmt.Sprintf("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.dnac%d.sig", len(a.logins))
		a.uses[tok] = 0
		curWrite(w, 200, curJSON(map[string]any{a.tokenKey: tok}))
		return
	}
	a.apiAuth = append(a.apiAuth, r.Header.Get("Authorization")+"|"+r.Header.Get("X-Auth-Token"))
	tok := r.Header.Get("X-Auth-Token")
	n, ok := a.uses[tok]
	if !ok || (a.lifetime > 0 && n >= a.lifetime) {
		a.unauthorized++
		curWrite(w, 401, `{"response": {"errorCode": "Unauthorized", "message": "Token expired"}, "version": "1.0"}`)
		return
	}
	a.uses[tok] = n + 1
	if r.URL.Path != "/dna/intent/api/v1/network-device" {
		curWrite(w, 404, `{"response": {"errorCode": "NotFound"}, "version": "1.0"}`)
		return
	}
	q := r.URL.Query()
	offset, limit := curQueryInt(q, "offset", 1), curQueryInt(q, "limit", 500)
	a.offsets = append(a.offsets, q.Get("offset"))
	if offset < 1 || limit < 1 || limit > 500 {
		curWrite(w, 400, `{"response": {"errorCode": "BadRequest", "message": "offset >= 1, 1 <= limit <= 500"}, "version": "1.0"}`)
		return
	}
	from := min(offset-1, len(a.devices))
	to := min(from+limit, len(a.devices))
	curWrite(w, 200, curJSON(map[string]any{"response": a.devices[from:to], "version": "1.0"}))
}

func loginCatalystEnv() map[string]string {
	return map[string]string{"DNAC_USER": loginCatalystUser, "DNAC_PASSWORD": loginCatalystPassword}
}

const loginCatalystQuery = `SELECT id, hostname, management_ip_address, uptime_seconds FROM network_devices ORDER BY id`

func (a *loginCatalyst) want() []string {
	var want []string
	for _, d := range a.devices {
		want = append(want, fmt.Sprintf("%v|%v|%v|%v", d["id"], d["hostname"], d["managementIpAddress"], d["uptimeSeconds"]))
	}
	return want
}

// check fails t unless the fake saw want logins, each with the Basic
// header and no body, and API requests carrying a token in X-Auth-Token
// and no Authorization header at all.
func (a *loginCatalyst) check(t *testing.T, wantLogins int) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.logins) != wantLogins {
		t.Errorf("%d token requests, want %d", len(a.logins), wantLogins)
	}
	for _, l := range a.logins {
		if l != loginCatalystBasic+"|" {
			t.Errorf("token request got %q, want the Basic header and no body", l)
		}
	}
	for _, h := range a.apiAuth {
		if !strings.HasPrefix(h, "|eyJ") {
			t.Errorf("an API request carried Authorization|X-Auth-Token %q", h)
		}
	}
}

func (a *loginCatalyst) noSecrets(t *testing.T, r curRun) {
	t.Helper()
	r.noSecret(t, loginCatalystPassword)
	r.noSecret(t, strings.TrimPrefix(loginCatalystBasic, "Basic "))
}

// TestLoginCatalystBasic: Catalyst Center's token request takes HTTP
// Basic and no body and answers {"Token"} without an expiry; the token
// goes bare in X-Auth-Token. The five devices load from offset 1 in pages
// of two, with one login.
func TestLoginCatalystBasic(t *testing.T) {
	api := newLoginCatalyst()
	r, _ := curServe(t, api, "login_catalyst", "", loginCatalystEnv())
	r.mustLoad(t)
	r.checkTable(t, loginCatalystQuery, api.want())
	api.check(t, 1)
	api.noSecrets(t, r)
	if fmt.Sprint(api.offsets) != "[1 3 5]" {
		t.Errorf("offsets %v, want [1 3 5]", api.offsets)
	}
}

// TestLoginCatalystTokenExpires: the reply says nothing of the token's 60
// minutes, so pipe keeps it until the API answers 401 (here after two
// requests), then logs in once more and the walk completes.
func TestLoginCatalystTokenExpires(t *testing.T) {
	api := newLoginCatalyst()
	api.lifetime = 2
	r, _ := curServe(t, api, "login_catalyst", "", loginCatalystEnv())
	r.mustLoad(t)
	r.checkTable(t, loginCatalystQuery, api.want())
	api.check(t, 2)
	if api.unauthorized != 1 {
		t.Errorf("%d 401s, want 1", api.unauthorized)
	}
}

// TestLoginCatalystRefused: wrong credentials fail the run at the token
// request, naming the token URL and 401, never the password or its
// base64; a reply whose token is under another key names token_path.
func TestLoginCatalystRefused(t *testing.T) {
	t.Run("bad password", func(t *testing.T) {
		api := newLoginCatalyst()
		env := loginCatalystEnv()
		env["DNAC_PASSWORD"] = "Cisco123!-wr0ng"
		r, srv := curServe(t, api, "login_catalyst", "", env)
		r.failedClean(t, srv, nil, "Cisco123!-wr0ng", []string{"network_devices"}, "login POST http://api.test/dna/system/api/v1/auth/token: 401 Unauthorized")
		r.noSecret(t, base64.StdEncoding.EncodeToString([]byte(loginCatalystUser+":Cisco123!-wr0ng")))
		if len(api.apiAuth) != 0 {
			t.Errorf("%d API requests without a token", len(api.apiAuth))
		}
	})
	t.Run("token under another key", func(t *testing.T) {
		api := newLoginCatalyst()
		api.tokenKey = "token"
		r, srv := curServe(t, api, "login_catalyst", "", loginCatalystEnv())
		r.failedClean(t, srv, nil, loginCatalystPassword, []string{"network_devices"}, `no token at token_path "Token" in the response`, `it holds keys "token"`)
		r.noSecret(t, "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.dnac1.sig")
	})
}
