package engine_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

// oktaUsers serves GET /api/v1/users as Okta documents it ("List all
// users", https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/,
// "Pagination" and "Rate limits" in https://developer.okta.com/docs/api/):
// a JSON array of users; limit (default and max 200) and an opaque
// after cursor; one Link header field with rel="self" and, while more
// users follow, a second one with rel="next"; X-Rate-Limit-Limit,
// -Remaining and -Reset (Unix seconds) on every response. Errors are
// {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}:
// E0000011 on a bad token (401), E0000047 on a 429.
type oktaUsers struct {
	total     int
	mode      atomic.Value // string: "" or a hostile variant
	foreign   string
	throttled atomic.Int32
	reset     atomic.Int64 // X-Rate-Limit-Reset sent with the 429
}

const oktaToken = "00Okta_S3CRET-token"

// oktaID returns the Okta-style id of user n (after cursors are ids).
func oktaID(n int) string { return fmt.Sprintf("00ub0oNGTSWTBKOL%04d", n) }

func (o *oktaUsers) user(n int) string {
	phone := "null"
	if n%2 == 1 {
		phone = fmt.Sprintf(`"555-415-%04d"`, n)
	}
	lastLogin := "null"
	if n%3 != 0 {
		lastLogin = fmt.Sprintf(`"2024-02-%02dT17:39:19.000Z"`, n)
	}
	return fmt.Sprintf(`{"id":"%s","status":"ACTIVE","created":"2023-06-24T16:39:18.000Z","activated":null,"statusChanged":"2023-06-24T16:39:19.000Z","lastLogin":%s,"lastUpdated":"2024-03-%02dT21:36:25.344Z","passwordChanged":"2023-07-02T21:36:25.344Z","type":{"id":"otyfnjfba4ye7pgjB0g4"},"profile":{"firstName":"First%d","lastName":"Last%d","email":"user%d@example.com","login":"user%d@example.com","mobilePhone":%s},"credentials":{"password":{},"provider":{"type":"OKTA","name":"OKTA"}},"_links":{"self":{"href":"https://acme.okta.com/api/v1/users/%s"}}}`,
		oktaID(n), lastLogin, n, n, n, n, n, phone, oktaID(n))
}

func oktaError(w http.ResponseWriter, status int, code, summary string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errorCode":%q,"errorSummary":%q,"errorLink":%q,"errorId":"oaeXYZ","errorCauses":[]}`, code, summary, code)
}

func (o *oktaUsers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode, _ := o.mode.Load().(string)
	w.Header().Set("X-Rate-Limit-Limit", "600")
	w.Header().Set("X-Rate-Limit-Remaining", "599")
	w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
	if r.Header.Get("Authorization") != "SSWS "+oktaToken {
		oktaError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
		return
	}
	if r.URL.Path != "/api/v1/users" {
		oktaError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path+" (GenericUDObject)")
		return
	}
	q := r.URL.Query()
	limit := 200
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			oktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: limit")
			return
		}
		limit = min(n, 200)
	}
	from := 1
	if after := q.Get("after"); after != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(after, "00ub0oNGTSWTBKOL"))
		if err != nil || !strings.HasPrefix(after, "00ub0oNGTSWTBKOL") {
			oktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: after")
			return
		}
		from = n + 1
	}
	if mode == "ratelimit" && from > 1 && o.throttled.Add(1) == 1 {
		reset := time.Now().Add(40 * time.Second).Unix()
		o.reset.Store(reset)
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(reset, 10))
		oktaError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
		return
	}
	var items []string
	to := min(from+limit-1, o.total)
	for n := from; n <= to; n++ {
		items = append(items, o.user(n))
	}
	base := "http://" + r.Host + "/api/v1/users"
	w.Header().Add("Link", fmt.Sprintf(`<%s?%s>; rel="self"`, base, r.URL.RawQuery))
	if to < o.total {
		next := fmt.Sprintf("%s?after=%s&limit=%d", base, oktaID(to), limit)
		switch {
		case mode == "foreign" && from > 1:
			next = strings.Replace(next, "http://"+r.Host, o.foreign, 1)
		case mode == "repeat" && from > 1:
			// Page 2 points back to the first users, under a new URL
			// (after=...0000); its own next link is then page 2 again.
			next = fmt.Sprintf("%s?after=%s&limit=%d", base, oktaID(from-1-limit), limit)
		case mode == "relative":
			next = fmt.Sprintf("/api/v1/users?after=%s&limit=%d", oktaID(to), limit)
		}
		w.Header().Add("Link", fmt.Sprintf(`<%s>; rel="next"`, next))
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, "["+strings.Join(items, ",")+"]")
}

var oktaCols = []string{"id", "status", "created", "status_changed", "last_login", "last_updated", "password_changed", "type__id", "profile__first_name", "profile__last_name", "profile__email", "profile__login", "profile__mobile_phone", "credentials__provider__type", "credentials__provider__name", "_links__self__href"}

func oktaWant(total int) []string {
	var want []string
	for n := 1; n <= total; n++ {
		phone, lastLogin := "NULL", "NULL"
		if n%2 == 1 {
			phone = fmt.Sprintf("'555-415-%04d'", n)
		}
		if n%3 != 0 {
			lastLogin = fmt.Sprintf("'2024-02-%02dT17:39:19.000000000Z'", n)
		}
		want = append(want, fmt.Sprintf("'%s'|'ACTIVE'|'2023-06-24T16:39:18.000000000Z'|'2023-06-24T16:39:19.000000000Z'|%s|'2024-03-%02dT21:36:25.344000000Z'|'2023-07-02T21:36:25.344000000Z'|'otyfnjfba4ye7pgjB0g4'|'First%d'|'Last%d'|'user%d@example.com'|'user%d@example.com'|%s|'OKTA'|'OKTA'|'https://acme.okta.com/api/v1/users/%s'",
			oktaID(n), lastLogin, n, n, n, n, n, phone, oktaID(n)))
	}
	return want
}

// TestOktaUsersLoadExactly follows Okta's rel="next" Link header field
// (beside a rel="self" field), absolute or relative, to the last page,
// which has none: every user once, each value with its type.
func TestOktaUsersLoadExactly(t *testing.T) {
	for _, mode := range []string{"", "relative"} {
		t.Run("mode="+mode, func(t *testing.T) {
			api := &oktaUsers{total: 8}
			api.mode.Store(mode)
			srv := newLinksServer(t, oktaToken, api)
			db := filepath.Join(t.TempDir(), "okta.db")
			if _, err := linksLoad(t, "okta", srv.URL, db, map[string]string{"OKTA_API_TOKEN": oktaToken}); err != nil {
				t.Fatal(err)
			}
			linksCompare(t, "users", linksTable(t, db, "users", "id", oktaCols...), oktaWant(8))
			if got := srv.requests.Load(); got != 3 {
				t.Errorf("requests = %d, want 3", got)
			}
		})
	}
}

// TestOktaHostileLinks: a next link to another host fails before anything
// is sent there; a next link back to an earlier page is a loop; a bad
// token fails naming the resource and the URL, never the token.
func TestOktaHostileLinks(t *testing.T) {
	tests := []struct {
		mode, token string
		sentinel    error
		msgs        []string
	}{
		{mode: "foreign", sentinel: rest.ErrOutOfScope, msgs: []string{`resource "users": page 3: GET http://127.0.0.1:`, "/api/v1/users?after=00ub0oNGTSWTBKOL0006&limit=3: origin not allowed"}},
		{mode: "repeat", sentinel: rest.ErrLoop, msgs: []string{`resource "users": page 3: GET http://api.test/api/v1/users?after=00ub0oNGTSWTBKOL0000&limit=3: header_link: next link http://api.test/api/v1/users?after=00ub0oNGTSWTBKOL0003&limit=3 seen before: pagination loop`}},
		{token: "wrong", sentinel: rest.ErrUnauthorized, msgs: []string{`resource "users": page 1: GET http://api.test/api/v1/users?limit=3`, "401"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode+tt.token, func(t *testing.T) {
			evil := newLinksServer(t, oktaToken, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `[]`) }))
			api := &oktaUsers{total: 8, foreign: evil.URL}
			api.mode.Store(tt.mode)
			srv := newLinksServer(t, oktaToken, api)
			db := filepath.Join(t.TempDir(), "okta.db")
			token := oktaToken
			if tt.token != "" {
				token = tt.token
			}
			rep, err := linksLoad(t, "okta", srv.URL, db, map[string]string{"OKTA_API_TOKEN": token})
			linksFailed(t, rep, err, tt.sentinel, srv.URL, token, db, "users", tt.msgs...)
			if n := evil.requests.Load(); n != 0 {
				t.Errorf("the other host got %d requests (%d with the token)", n, evil.withCred.Load())
			}
		})
	}
}

// TestOktaRateLimitResetHonoured: Okta's 429 says when the window resets
// in X-Rate-Limit-Reset (Unix seconds; no Retry-After). pipe should wait
// until then before retrying, then load every user, rather than retry
// on its own backoff (about a second), which against Okta's one-minute
// windows would spend the attempts and fail the run.
func TestOktaRateLimitResetHonoured(t *testing.T) {
	api := &oktaUsers{total: 8}
	api.mode.Store("ratelimit")
	srv := newLinksServer(t, oktaToken, api)
	db := filepath.Join(t.TempDir(), "okta.db")
	var sleeps curSleeps
	o := linksOpts(map[string]string{"OKTA_API_TOKEN": oktaToken})
	sleeps.tune(&o)
	if _, err := runInto(t, specPlan(t, "okta.yml", linksSpec(t, "okta"), srv.URL), db, o); err != nil {
		t.Fatal(err)
	}
	waits := sleeps.all()
	linksCompare(t, "users", linksTable(t, db, "users", "id", oktaCols...), oktaWant(8))
	// The reset is 40 s after the 429; allow for the seconds the run took.
	if len(waits) == 0 || waits[0] < 30*time.Second {
		t.Errorf("waits before retrying %v, want the first to last until X-Rate-Limit-Reset (about 40s)", waits)
	}
}

// TestOktaNextLinkToAllowedHost: the setting the out-of-scope error names
// works: with the other host in client.allowed_hosts (an Okta org reached
// through a custom domain whose links name the okta.com one), the walk
// follows it there, token included, and loads every user.
func TestOktaNextLinkToAllowedHost(t *testing.T) {
	api := &oktaUsers{total: 8}
	other := newLinksServer(t, oktaToken, api)
	api.foreign = other.URL
	api.mode.Store("foreign")
	srv := newLinksServer(t, oktaToken, api)
	host := strings.TrimPrefix(other.URL, "http://")
	spec := strings.Replace(string(linksSpec(t, "okta")), "client:\n", "client:\n  allowed_hosts: [\"http://"+host+"\"]\n", 1)
	db := filepath.Join(t.TempDir(), "okta.db")
	if _, err := runInto(t, specPlan(t, "okta.yml", []byte(spec), srv.URL), db, linksOpts(map[string]string{"OKTA_API_TOKEN": oktaToken})); err != nil {
		t.Fatal(err)
	}
	linksCompare(t, "users", linksTable(t, db, "users", "id", oktaCols...), oktaWant(8))
	if n := other.withCred.Load(); n == 0 {
		t.Errorf("the allowed host got no request with the token (%d requests)", other.requests.Load())
	}
}
