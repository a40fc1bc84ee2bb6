package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const (
	azureClientID     = "6731de76-14a6-49ae-97bc-6eba6914391e"
	azureClientSecret = "qWgdYAmab0YSkuL1qKv5bPX~6Qz.Ab3-_cD4eF5g"
	azureTenant       = "contoso.onmicrosoft.com"
)

var azureEnv = map[string]string{"AZURE_CLIENT_ID": azureClientID, "AZURE_CLIENT_SECRET": azureClientSecret}

// identityFake is the Microsoft identity platform's token endpoint for
// the client credentials grant
// (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
// POST /{tenant}/oauth2/v2.0/token, form client_id, client_secret,
// grant_type=client_credentials and scope={resource}/.default; reply
// {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
// "access_token"}; a wrong secret is 401 {"error": "invalid_client",
// "error_description": "AADSTS7000215: Invalid client secret provided.
// …", "error_codes": [7000215], …}. reply, when set, replaces the
// documented reply (the v1.0 endpoint's sends expires_in as a string).
func identityFake(reply string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		r.ParseForm()
		f := r.PostForm
		if r.URL.Path != "/"+azureTenant+"/oauth2/v2.0/token" || f.Get("grant_type") != "client_credentials" || f.Get("scope") != "https://graph.microsoft.com/.default" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error": "invalid_request", "error_description": "AADSTS900144: The request body must contain the following parameter: 'scope'.", "error_codes": [900144]}`)
			return
		}
		if f.Get("client_id") != azureClientID || f.Get("client_secret") != azureClientSecret {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", "error_codes": [7000215], "timestamp": "2024-03-01 10:00:00Z", "trace_id": "0000aaaa-11bb-cccc-dd22-eeeeee333333", "correlation_id": "aaaa0000-bb11-2222-33cc-444444dddddd", "error_uri": "https://login.microsoftonline.com/error?code=7000215"}`, azureClientID)
			return
		}
		if reply == "" {
			reply = `{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "{token}"}`
		}
		fmt.Fprint(w, strings.ReplaceAll(reply, "{token}", graphToken))
	}
}

// TestGraphIdentityUsers: the spec asks the identity platform for a
// Graph token with the .default scope on the tenant's token URL; the
// client secret goes only there and the token only to Graph, and every
// user loads, with the v2.0 reply and with the v1.0 one (expires_in and
// expires_on as strings).
func TestGraphIdentityUsers(t *testing.T) {
	for _, c := range []struct{ name, reply string }{
		{"v2.0 reply", ""},
		{"v1.0 reply with string numbers", `{"token_type": "Bearer", "expires_in": "3599", "ext_expires_in": "3599", "expires_on": "1709290799", "not_before": "1709287199", "resource": "https://graph.microsoft.com", "access_token": "{token}"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			login := newVendorOrigin(t, identityFake(c.reply))
			api := &graphUsers{total: 8}
			api.mode.Store("")
			graph := newVendorOrigin(t, api)
			run := runVendor(t, "graph_identity", map[string]string{"login_url": login.srv.URL, "tenant": azureTenant, "api_url": graph.srv.URL}, azureEnv, "")
			if run.err != nil {
				t.Fatalf("run: %v\nlogs:\n%s", run.err, run.logs)
			}
			users, _ := graphWant(8)
			linksCompare(t, "users", linksTable(t, run.db, "users", "id", graphCols...), users)
			if n, all := login.carrying(azureClientSecret), login.requests(); n != 1 || all != 1 {
				t.Errorf("login host: %d of %d requests carried the secret, want 1 of 1", n, all)
			}
			if n := graph.carrying(azureClientSecret); n != 0 {
				t.Errorf("Graph got the client secret %d times", n)
			}
			if n := login.carrying(graphToken); n != 0 {
				t.Errorf("the login host got the access token %d times", n)
			}
			run.noSecretLeft(t, azureClientSecret, graphToken)
		})
	}
}

// TestGraphIdentityWrongSecret: AADSTS7000215 fails the run before any
// Graph request, naming the token URL and the error, without the secret.
func TestGraphIdentityWrongSecret(t *testing.T) {
	login := newVendorOrigin(t, identityFake(""))
	graph := newVendorOrigin(t, &graphUsers{total: 8})
	const wrong = "Wr0ng~secret.value_1234567890abcdefghij"
	run := runVendor(t, "graph_identity", map[string]string{"login_url": login.srv.URL, "tenant": azureTenant, "api_url": graph.srv.URL}, map[string]string{"AZURE_CLIENT_ID": azureClientID, "AZURE_CLIENT_SECRET": wrong}, "")
	if run.err == nil {
		t.Fatal("run completed, want the token error")
	}
	for _, want := range []string{`resource "users"`, login.srv.URL + "/" + azureTenant + "/oauth2/v2.0/token: 401 Unauthorized", "AADSTS7000215"} {
		if !strings.Contains(run.err.Error(), want) {
			t.Errorf("err = %v\nwant it to hold %s", run.err, want)
		}
	}
	if n := graph.requests(); n != 0 {
		t.Errorf("Graph got %d requests", n)
	}
	run.noSecretLeft(t, wrong)
}
