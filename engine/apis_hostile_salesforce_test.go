package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

const (
	sfClientID     = "3MVG9IHf89I1t8hrvswazsWedXWY0i1qK20PSFaInvUgLFB6vrcb9bbWFTSIHpO8G2jxBLJA6uZGyPFC5Aejq"
	sfClientSecret = "F7E0E6B1C2D3/sf+secret="
)

// salesforceFake is two origins, as Salesforce has them: the login host,
// whose /services/oauth2/token grants tokens by the client credentials
// flow (help.salesforce.com "OAuth 2.0 Client Credentials Flow for
// Server-to-Server Integration": form grant_type, client_id,
// client_secret; reply access_token, instance_url, id, token_type,
// issued_at, signature, no expires_in), and the instance, whose
// /services/data/v59.0/query answers SOQL
// (developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm:
// totalSize, done, nextRecordsUrl a path, records with attributes; an
// invalid session is 401 [{"message", "errorCode": "INVALID_SESSION_ID"}]).
type salesforceFake struct {
	login, instance *vendorOrigin
	mu              sync.Mutex
	tokens          []string // granted, the last one valid
	apiCalls        int      // with the valid token
	// expireAfter invalidates the valid token after that many API calls
	// with it (0: never).
	expireAfter int
	// nextOnLogin makes the first page's nextRecordsUrl an absolute URL
	// on the login host.
	nextOnLogin bool
	records     []string
	issued      atomic.Int64
}

func newSalesforceFake(t *testing.T) *salesforceFake {
	f := &salesforceFake{}
	revenue := []string{"1.5E7", "null", "2.5E9", "0.1", "9.99E2"}
	for i, r := range revenue {
		id := fmt.Sprintf("001D000000IRFma%03d", i)
		f.records = append(f.records, fmt.Sprintf(`{"attributes": {"type": "Account", "url": "/services/data/v59.0/sobjects/Account/%s"}, "Id": %q, "Name": "Account %d", "AnnualRevenue": %s, "NumberOfEmployees": %d}`, id, id, i, r, 10*i))
	}
	f.login = newVendorOrigin(t, http.HandlerFunc(f.token))
	f.instance = newVendorOrigin(t, http.HandlerFunc(f.query))
	return f
}

func (f *salesforceFake) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	if r.Method != http.MethodPost || r.URL.Path != "/services/oauth2/token" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `[{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]`)
		return
	}
	r.ParseForm()
	if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_id") != sfClientID || r.PostForm.Get("client_secret") != sfClientSecret {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error": "invalid_client", "error_description": "invalid client credentials"}`)
		return
	}
	f.mu.Lock()
	tok := fmt.Sprintf("00DD0000000K1NM!AR8AQBM8J_xr9kLqmZIRyQxZgLcM4HVi41aGtW0qW3JCzf5xdTGGGSoVim8FfJkZEqxbjaFbberKGk8v8AnYrvChG4qJbQo%d", f.issued.Add(1))
	f.tokens = append(f.tokens, tok)
	f.apiCalls = 0
	f.mu.Unlock()
	fmt.Fprintf(w, `{"access_token": %q, "signature": "SSSbLO/gBhmmyNUvN18ODBDFYHzakxOMgqYtu+hDPsc=", "scope": "api", "instance_url": %q, "id": "http://%s/id/00DD0000000K1NM/005D0000001Az1u", "token_type": "Bearer", "issued_at": "1699999999999"}`, tok, f.instance.srv.URL, r.Host)
}

func (f *salesforceFake) query(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	f.mu.Lock()
	valid := len(f.tokens) > 0 && r.Header.Get("Authorization") == "Bearer "+f.tokens[len(f.tokens)-1]
	if valid {
		f.apiCalls++
		valid = f.expireAfter == 0 || f.apiCalls <= f.expireAfter
	}
	f.mu.Unlock()
	if !valid {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]`)
		return
	}
	from := 0
	switch {
	case r.URL.Path == "/services/data/v59.0/query" && r.URL.Query().Get("q") == "SELECT Id, Name, AnnualRevenue, NumberOfEmployees FROM Account":
	case strings.HasPrefix(r.URL.Path, "/services/data/v59.0/query/01gD0000002HU6KIAW-"):
		from, _ = strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/services/data/v59.0/query/01gD0000002HU6KIAW-"))
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `[{"message": "unexpected request", "errorCode": "MALFORMED_QUERY"}]`)
		return
	}
	to := min(from+2, len(f.records))
	next := ""
	if to < len(f.records) {
		next = fmt.Sprintf(`, "nextRecordsUrl": "/services/data/v59.0/query/01gD0000002HU6KIAW-%d"`, to)
		if f.nextOnLogin {
			next = fmt.Sprintf(`, "nextRecordsUrl": "%s/services/data/v59.0/query/01gD0000002HU6KIAW-%d"`, f.login.srv.URL, to)
		}
	}
	fmt.Fprintf(w, `{"totalSize": %d, "done": %t%s, "records": [%s]}`, len(f.records), next == "", next, strings.Join(f.records[from:to], ", "))
}

func (f *salesforceFake) vars() map[string]string {
	return map[string]string{"login_url": f.login.srv.URL, "instance_url": f.instance.srv.URL}
}

var sfEnv = map[string]string{"SF_CLIENT_ID": sfClientID, "SF_CLIENT_SECRET": sfClientSecret}

// TestSalesforceAccounts: the client secret goes to the login host only,
// each access token to the instance only; a session that expires midway
// (401 INVALID_SESSION_ID) is renewed once and the walk goes on; every
// account loads with its number as sent; no secret or token reaches an
// error, a log line or the database.
func TestSalesforceAccounts(t *testing.T) {
	f := newSalesforceFake(t)
	f.expireAfter = 2
	run := runVendor(t, "salesforce", f.vars(), sfEnv, "")
	if run.err != nil {
		t.Fatalf("run: %v", run.err)
	}
	want := []string{
		"001D000000IRFma000 Account 0 1.5e+07 0 Account",
		"001D000000IRFma001 Account 1 <nil> 10 Account",
		"001D000000IRFma002 Account 2 2.5e+09 20 Account",
		"001D000000IRFma003 Account 3 0.1 30 Account",
		"001D000000IRFma004 Account 4 999 40 Account",
	}
	sameRows(t, "accounts", rowsOf(t, run.db, `SELECT id, name, annual_revenue, number_of_employees, attributes__type FROM accounts ORDER BY id`), want)
	sameRows(t, "types", rowsOf(t, run.db, `SELECT DISTINCT typeof(annual_revenue) || ' ' || typeof(number_of_employees) FROM accounts WHERE annual_revenue IS NOT NULL`), []string{"real integer"})

	if got := f.issued.Load(); got != 2 {
		t.Errorf("tokens issued = %d, want 2 (one renewal after the 401)", got)
	}
	if n, all := f.login.carrying(sfClientSecret), f.login.requests(); n != 2 || all != 2 {
		t.Errorf("login host: %d of %d requests carried the client secret, want 2 of 2", n, all)
	}
	if n := f.instance.carrying(sfClientSecret); n != 0 {
		t.Errorf("the instance got the client secret %d times", n)
	}
	for _, tok := range f.tokens {
		if n := f.login.carrying(tok); n != 0 {
			t.Errorf("the login host got an access token %d times", n)
		}
		if f.instance.carrying(tok) == 0 {
			t.Errorf("the instance never got access token %s", tok)
		}
	}
	run.noSecretLeft(t, append([]string{sfClientSecret}, f.tokens...)...)
}

// TestSalesforceNextOnLoginHost: a nextRecordsUrl on the login host (the
// token URL's origin, but not the API's) must not get the access token:
// the run fails naming the host and client.allowed_hosts, with no
// request carrying a token there.
func TestSalesforceNextOnLoginHost(t *testing.T) {
	f := newSalesforceFake(t)
	f.nextOnLogin = true
	run := runVendor(t, "salesforce", f.vars(), sfEnv, "")
	host := strings.TrimPrefix(f.login.srv.URL, "http://")
	if run.err == nil || !strings.Contains(run.err.Error(), host) || !strings.Contains(run.err.Error(), "client.allowed_hosts") {
		t.Errorf("err = %v, want it to name %s and client.allowed_hosts", run.err, host)
	}
	for _, tok := range f.tokens {
		if n := f.login.carrying(tok); n != 0 {
			t.Errorf("the login host got the access token %d times", n)
		}
	}
	run.noSecretLeft(t, append([]string{sfClientSecret}, f.tokens...)...)
}

// TestSalesforceBadClientSecret: the login host's invalid_client fails
// the run before any API request, naming the token URL and the reply,
// without the secret.
func TestSalesforceBadClientSecret(t *testing.T) {
	f := newSalesforceFake(t)
	const wrong = "wr0ng/secret+="
	run := runVendor(t, "salesforce", f.vars(), map[string]string{"SF_CLIENT_ID": sfClientID, "SF_CLIENT_SECRET": wrong}, "")
	if run.err == nil || !strings.Contains(run.err.Error(), f.login.srv.URL+"/services/oauth2/token") || !strings.Contains(run.err.Error(), "invalid_client") {
		t.Errorf("err = %v, want it to name the token URL and invalid_client", run.err)
	}
	if n := f.instance.requests(); n != 0 {
		t.Errorf("the instance got %d requests", n)
	}
	run.noSecretLeft(t, wrong)
}
