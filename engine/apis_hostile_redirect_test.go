package engine_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// redirectSpec is a POST search (its JSON body holds a credential, as
// some APIs take it) behind a bearer token, on one page.
const redirectSpec = `name: redirects
vars:
  api_url: {default: "https://api.example.com"}
  allowed: {default: "none.invalid"}
client:
  base_url: "{vars.api_url}/"
  auth: {type: bearer, token: "{secrets.redirect_token}"}
  allowed_hosts: ["{vars.allowed}"]
  paginator: single_page
resources:
  - name: items
    primary_key: id
    endpoint:
      path: search
      method: %s
      %s
      data_selector: items
`

const (
	redirectToken  = "r3direct-T0KEN/+="
	redirectBodyID = "b0dy-S3CRET/+="
)

// TestRedirectsToAnotherOrigin: for each redirect status, a redirect to an
// origin the spec does not name fails the run naming the host and
// client.allowed_hosts, the other origin getting nothing; to an allowed
// origin it is followed without the token. A 307 or 308 of a POST
// whose body holds a credential is refused even to an allowed origin:
// following it would send the body, credential included.
func TestRedirectsToAnotherOrigin(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		for _, method := range []string{"GET", "POST"} {
			t.Run(fmt.Sprintf("%d %s", code, method), func(t *testing.T) {
				other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					io.WriteString(w, `{"items": [{"id": 1}]}`)
				}))
				api := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, other.srv.URL+"/moved", code)
				}))
				body := ""
				if method == "POST" {
					body = `json: {query: "*", key: "{secrets.redirect_body}"}`
				}
				text := fmt.Sprintf(redirectSpec, method, body)
				env := map[string]string{"REDIRECT_TOKEN": redirectToken, "REDIRECT_BODY": redirectBodyID}

				run := runVendorSpec(t, "redirects", text, map[string]string{"api_url": api.srv.URL}, env, "")
				if run.err == nil || !strings.Contains(run.err.Error(), "redirect to "+other.srv.URL+"/moved") || !strings.Contains(run.err.Error(), "client.allowed_hosts") {
					t.Errorf("not allowed: err = %v, want it to name the redirect and client.allowed_hosts", run.err)
				}
				if n := other.requests(); n != 0 {
					t.Errorf("not allowed: the other origin got %d requests", n)
				}
				run.noSecretLeft(t, redirectToken, redirectBodyID)

				u, _ := url.Parse(other.srv.URL)
				run = runVendorSpec(t, "redirects", text, map[string]string{"api_url": api.srv.URL, "allowed": u.Host}, env, "")
				resent := method == "POST" && (code == 307 || code == 308)
				refused := fmt.Sprintf(`resource "items": page 1: POST %s/search: redirect to %s/moved (%d): the redirect would send the request body, which holds a credential, to another origin; use that origin in base_url or the endpoint path`, api.srv.URL, other.srv.URL, code)
				switch {
				case resent && (run.err == nil || !strings.Contains(run.err.Error(), refused)):
					t.Errorf("allowed: err = %v\nwant it to contain %s", run.err, refused)
				case !resent && run.err != nil:
					t.Errorf("allowed: %v", run.err)
				case !resent && rowsOf(t, run.db, `SELECT count(*) FROM items`)[0] != "1":
					t.Errorf("allowed: the redirect's items were not loaded")
				}
				for _, s := range []string{redirectToken, redirectBodyID} {
					if n := other.carrying(s); n != 0 {
						t.Errorf("allowed: the other origin got a credential %d times", n)
					}
				}
				run.noSecretLeft(t, redirectToken, redirectBodyID)
			})
		}
	}
}
