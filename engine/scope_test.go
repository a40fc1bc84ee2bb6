package engine_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine"
)

// The credentials of the scope tests, with characters that URL, JSON and
// base64 encodings change.
const (
	scopeToken    = "tok+en/S3CR3T=&v"
	scopeUser     = "ann"
	scopePassword = "pa:ss/w0rd&x"
	scopeClientID = "app-id"
	scopeSecret   = "cl13nt-s3cr3t/+="
	scopeAccess   = "AT-0123456789-access"
)

// scopeSecrets are what the scope tests must never see at the hostile
// origin, in any form.
var scopeSecrets = []string{scopeToken, scopePassword, scopeSecret, scopeAccess, "cGE6c3MvdzByZCZ4", "YW5uOnBhOnNzL3cwcmQmeA"}

// hostile is an origin other than the API's that records every request.
type hostile struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // method, URL, headers and cookies of each request
}

// newHostile listens on 127.0.0.2 (another loopback address), or on
// another port of 127.0.0.1 where that address is missing: either way a
// different origin from the API's.
func newHostile(t *testing.T) *hostile {
	h := &hostile{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.seen = append(h.seen, fmt.Sprintf("%s %s %v %v", r.Method, r.URL, r.Header, r.Cookies()))
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":[{"id":"evil-1"}]}`)
	}))
	if l, err := net.Listen("tcp", "127.0.0.2:0"); err == nil {
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
	t.Cleanup(srv.Close)
	h.srv = srv
	return h
}

func (h *hostile) requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.seen...)
}

// scopeAPI is the API: a token endpoint, a login endpoint and /items,
// whose first page points at the hostile origin the way the case says.
func scopeAPI(t *testing.T, via, next string) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"`+scopeAccess+`","token_type":"Bearer","expires_in":3600}`)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"access_token":"`+scopeAccess+`"}`)
	})
	mux.HandleFunc("GET /api/items", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch via {
		case "json_link":
			fmt.Fprintf(w, `{"data":[{"id":"ok-1"}],"next":%q}`, next)
		case "header_link":
			w.Header().Set("Link", "<"+next+`>; rel="next"`)
			io.WriteString(w, `{"data":[{"id":"ok-1"}]}`)
		case "cursor_url":
			fmt.Fprintf(w, `{"data":[{"id":"ok-1"}],"pagination":{"next":%q}}`, next)
		case "redirect": // echoes the query, a query-string key included
			http.Redirect(w, r, next+"&"+r.URL.RawQuery, http.StatusFound)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// scopeAuths are the auth blocks of the scope tests, one per kind built
// by engine/rest.
var scopeAuths = map[string]string{
	"api_key header":            `{type: api_key, name: X-Api-Key, api_key: "{secrets.tok}"}`,
	"api_key query":             `{type: api_key, name: api_key, location: query, api_key: "{secrets.tok}"}`,
	"api_key cookie":            `{type: api_key, name: sid, location: cookie, api_key: "{secrets.tok}"}`,
	"bearer":                    `{type: bearer, token: "{secrets.tok}"}`,
	"http_basic":                `{type: http_basic, username: ann, password: "{secrets.pw}"}`,
	"oauth2_client_credentials": `{type: oauth2_client_credentials, token_url: "{vars.api_url}/token", client_id: "{secrets.cid}", client_secret: "{secrets.cs}"}`,
	"login":                     `{type: login, token_url: "{vars.api_url}/login", form: {username: ann, password: "{secrets.pw}"}}`,
}

func runScope(t *testing.T, apiURL, auth, paginator string, allowed []string) (*engine.Report, error) {
	t.Helper()
	quoted := make([]string, len(allowed))
	for i, h := range allowed {
		quoted[i] = fmt.Sprintf("%q", h)
	}
	return runScopeClient(t, apiURL, fmt.Sprintf("{auth: %s, paginator: %s, allowed_hosts: [%s]}", auth, paginator, strings.Join(quoted, ", ")))
}

// runScopeClient runs the items resource with the client settings
// client (a YAML flow mapping) besides base_url.
func runScopeClient(t *testing.T, apiURL, client string) (*engine.Report, error) {
	t.Helper()
	yml := fmt.Sprintf(`name: scope
vars:
  api_url: {default: "http://unused.invalid"}
client: {base_url: "{vars.api_url}/api/", %s
resources:
  - name: items
    primary_key: id
    endpoint: {path: items, data_selector: data}
`, strings.TrimPrefix(client, "{"))
	p := specPlan(t, "scope.yml", []byte(yml), apiURL)
	vals := map[string]string{"TOK": scopeToken, "PW": scopePassword, "CID": scopeClientID, "CS": scopeSecret}
	return runInto(t, p, filepath.Join(t.TempDir(), "scope.db"), engine.Options{
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { v, ok := vals[k]; return v, ok }},
		Sleep:   noWait,
	})
}

// TestForeignOriginStopsTheRun: for every auth kind and every way an API
// can point elsewhere (a json_link next link, a Link header, a detected
// cursor URL, a 302), a run whose next page is on another origin fails
// naming the host and client.allowed_hosts, and the other origin gets no
// request at all, so no credential in any header, query or cookie; with
// the origin in client.allowed_hosts the run follows it.
func TestForeignOriginStopsTheRun(t *testing.T) {
	vias := map[string]string{
		"json_link":   "{type: json_link, next_url_path: next}",
		"header_link": "header_link",
		"cursor_url":  "auto",
		"redirect":    "single_page",
	}
	for authName, auth := range scopeAuths {
		for via, paginator := range vias {
			t.Run(authName+"/"+via, func(t *testing.T) {
				evil := newHostile(t)
				next := evil.srv.URL + "/api/items?page=2"
				api := scopeAPI(t, via, next)
				host := strings.TrimPrefix(evil.srv.URL, "http://")

				rep, err := runScope(t, api.URL, auth, paginator, nil)
				if err == nil {
					t.Fatalf("run succeeded: %+v", rep)
				}
				if !strings.Contains(err.Error(), host) || !strings.Contains(err.Error(), "client.allowed_hosts") {
					t.Errorf("error does not name the host and the setting: %v", err)
				}
				if got := evil.requests(); len(got) != 0 {
					t.Errorf("the other origin got requests: %q", got)
				}
				for _, s := range scopeSecrets {
					if strings.Contains(err.Error(), s) || strings.Contains(err.Error(), url.QueryEscape(s)) {
						t.Errorf("error holds a secret: %v", err)
					}
				}

				u, _ := url.Parse(evil.srv.URL)
				rep, err = runScope(t, api.URL, auth, paginator, []string{u.Host})
				if err != nil {
					t.Fatalf("with allowed_hosts: %v", err)
				}
				if rep.Tables["items"] == 0 || len(evil.requests()) == 0 {
					t.Errorf("allowed origin not followed: tables %v, requests %q", rep.Tables, evil.requests())
				}
				if via == "redirect" {
					for _, r := range evil.requests() {
						for _, s := range append(scopeSecrets, "Referer") {
							if strings.Contains(r, s) || strings.Contains(r, url.QueryEscape(s)) {
								t.Errorf("a redirect carried %q to another origin: %s", s, r)
							}
						}
					}
				}
			})
		}
	}
}

// TestMaxResponseBytesFromTheSpec: client.max_response_bytes reaches the
// client; the run fails naming the resource, the URL and the setting.
func TestMaxResponseBytesFromTheSpec(t *testing.T) {
	api := scopeAPI(t, "json_link", "")
	_, err := runScopeClient(t, api.URL, `{auth: {token: "{secrets.tok}"}, paginator: single_page, max_response_bytes: 16}`)
	want := `resource "items": page 1: GET ` + api.URL + `/api/items: 200 OK: response body is larger than client.max_response_bytes (16 bytes)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}
